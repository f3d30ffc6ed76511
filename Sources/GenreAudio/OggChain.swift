import COgg
import Foundation

/// Whether an Ogg file is chained: several logical streams one after another, as concatenated files and stream
/// rips are (RFC 3533 §4). libsndfile 1.2 decodes only the first link of such a file, so `AudioDecoder.open` gives
/// it to FFmpeg, which decodes every link.
enum OggChain {
    /// True when a page that begins a stream (BOS) follows a page that does not: a second link. Several BOS pages
    /// at the start are one link of multiplexed streams. Pages are found with libogg's sync layer, reading the
    /// file in 64 KiB blocks; an unreadable file is not chained (libsndfile has opened it already).
    static func isChained(path: String) -> Bool {
        guard let file = fopen(path, "rb") else { return false }
        defer { fclose(file) }
        var sync = ogg_sync_state()
        ogg_sync_init(&sync)
        defer { ogg_sync_clear(&sync) }
        var page = ogg_page()
        var pastFirstHeaders = false
        while true {
            switch ogg_sync_pageout(&sync, &page) {
            case 1:
                let beginsStream = ogg_page_bos(&page) != 0
                if beginsStream && pastFirstHeaders { return true }
                if !beginsStream { pastFirstHeaders = true }
            case 0:
                // The sync layer needs more bytes.
                guard let buffer = ogg_sync_buffer(&sync, 65536) else { return false }
                let count = fread(buffer, 1, 65536, file)
                if count == 0 { return false }
                ogg_sync_wrote(&sync, count)
            default:
                continue  // bytes skipped to regain sync
            }
        }
    }
}

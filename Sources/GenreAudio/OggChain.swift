import COgg
import Foundation

/// The links of an Ogg file: several logical streams one after another in a chained file, as concatenated files and
/// stream rips are (RFC 3533 §4). libsndfile 1.2 decodes only the first link of such a file, so `AudioDecoder.open` gives
/// it to FFmpeg, which decodes every link.
enum OggChain {
    /// The codec of each link, in order (`["Vorbis", "Vorbis"]` for two concatenated Vorbis files): a new link
    /// starts where a page that begins a stream (BOS) follows one that does not; several BOS pages at the start of a
    /// link are multiplexed streams, of which the first names the link's codec (from its identification header).
    /// Pages are found with libogg's sync layer, reading the file in 64 KiB blocks. An unreadable file has no links.
    static func links(path: String) -> [String] {
        guard let file = fopen(path, "rb") else { return [] }
        defer { fclose(file) }
        var sync = ogg_sync_state()
        ogg_sync_init(&sync)
        defer { ogg_sync_clear(&sync) }
        var page = ogg_page()
        var codecs: [String] = [], inHeaders = false
        while true {
            switch ogg_sync_pageout(&sync, &page) {
            case 1:
                let beginsStream = ogg_page_bos(&page) != 0
                if beginsStream && !inHeaders { codecs.append(codec(of: page)) }
                inHeaders = beginsStream
            case 0:
                // The sync layer needs more bytes.
                guard let buffer = ogg_sync_buffer(&sync, 65536) else { return codecs }
                let count = fread(buffer, 1, 65536, file)
                if count == 0 { return codecs }
                ogg_sync_wrote(&sync, count)
            default:
                continue  // bytes skipped to regain sync
            }
        }
    }

    /// The codec a BOS page's identification header names (RFC 7845 §5.1, Vorbis I §4.2.2, Ogg FLAC mapping).
    private static func codec(of page: ogg_page) -> String {
        let body = Data(bytes: page.body, count: min(page.body_len, 8))
        for (magic, name) in [("\u{01}vorbis", "Vorbis"), ("OpusHead", "Opus"), ("\u{7F}FLAC", "FLAC"), ("Speex   ", "Speex")]
            where body.starts(with: Data(magic.utf8)) {
            return name
        }
        return "another codec"
    }
}

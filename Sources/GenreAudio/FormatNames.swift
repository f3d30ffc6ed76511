import CSndfile

/// Short names for libsndfile's format codes, taken from the `SF_FORMAT_*` constant names in
/// `sndfile.h` (python-soundfile uses the same spelling, so they line up with `formats/MANIFEST.tsv`).
/// libsndfile's own `SFC_GET_FORMAT_INFO` names ("WAV (Microsoft)", "Signed 16 bit PCM") are long
/// prose, so they are used only for codes this table does not know.
enum FormatNames {
    static func describe(format: Int32) -> String {
        let major = Int(format) & SF_FORMAT_TYPEMASK
        let subtype = Int(format) & SF_FORMAT_SUBMASK
        let majorName = majors[major] ?? libsndfileName(code: major) ?? String(major, radix: 16)
        let subtypeName = subtypes[subtype] ?? libsndfileName(code: subtype) ?? String(subtype, radix: 16)
        return "\(majorName) \(subtypeName)"
    }

    private static func libsndfileName(code: Int) -> String? {
        var info = SF_FORMAT_INFO()
        info.format = Int32(code)
        guard sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
              let name = info.name else { return nil }
        return String(cString: name)
    }

    private static let majors: [Int: String] = [
        0x010000: "WAV", 0x020000: "AIFF", 0x030000: "AU", 0x040000: "RAW", 0x050000: "PAF",
        0x060000: "SVX", 0x070000: "NIST", 0x080000: "VOC", 0x0A0000: "IRCAM", 0x0B0000: "W64",
        0x0C0000: "MAT4", 0x0D0000: "MAT5", 0x0E0000: "PVF", 0x0F0000: "XI", 0x100000: "HTK",
        0x110000: "SDS", 0x120000: "AVR", 0x130000: "WAVEX", 0x160000: "SD2", 0x170000: "FLAC",
        0x180000: "CAF", 0x190000: "WVE", 0x200000: "OGG", 0x210000: "MPC2K", 0x220000: "RF64",
        0x230000: "MP3",
    ]

    private static let subtypes: [Int: String] = [
        0x0001: "PCM_S8", 0x0002: "PCM_16", 0x0003: "PCM_24", 0x0004: "PCM_32", 0x0005: "PCM_U8",
        0x0006: "FLOAT", 0x0007: "DOUBLE", 0x0010: "ULAW", 0x0011: "ALAW", 0x0012: "IMA_ADPCM",
        0x0013: "MS_ADPCM", 0x0020: "GSM610", 0x0021: "VOX_ADPCM", 0x0022: "NMS_ADPCM_16",
        0x0023: "NMS_ADPCM_24", 0x0024: "NMS_ADPCM_32", 0x0030: "G721_32", 0x0031: "G723_24",
        0x0032: "G723_40", 0x0040: "DWVW_12", 0x0041: "DWVW_16", 0x0042: "DWVW_24", 0x0043: "DWVW_N",
        0x0050: "DPCM_8", 0x0051: "DPCM_16", 0x0060: "VORBIS", 0x0064: "OPUS", 0x0070: "ALAC_16",
        0x0071: "ALAC_20", 0x0072: "ALAC_24", 0x0073: "ALAC_32", 0x0080: "MPEG_LAYER_I",
        0x0081: "MPEG_LAYER_II", 0x0082: "MPEG_LAYER_III",
    ]
}

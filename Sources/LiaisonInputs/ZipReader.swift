import CZlib
import Foundation

/// The files inside a ZIP archive (PKWARE APPNOTE 6.3: the central directory, stored and deflated entries), read
/// from bytes already in memory, as far as an `.xlsx` workbook needs: no ZIP64, no encryption, no spanning.
///
/// Made to fail rather than hang or grow: every offset and length is checked against the archive, an entry is
/// unpacked with zlib up to a byte limit whatever its header claims, a deflate stream that ends before its end
/// marker is an error (never another turn of the loop), and the CRC-32 must match.
struct ZipReader {
    struct ReadError: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    private struct Entry {
        var method: UInt16
        var crc: UInt32
        var compressedSize: Int
        var size: Int
        var localHeader: Int
    }

    private let bytes: [UInt8]
    /// Entries by name, compared without case (OPC part names are case-insensitive).
    private let entries: [String: Entry]

    init(_ data: [UInt8]) throws(ReadError) {
        bytes = data
        // The end of central directory record: the last "PK\u{5}\u{6}" within the last 64 kB + 22 bytes.
        guard data.count >= 22 else { throw ReadError(description: "it is too short to be a ZIP archive") }
        var end = -1
        var index = data.count - 22
        while index >= max(0, data.count - 22 - 65_535) {
            // The record's own comment length must reach the end of the file exactly (a comment may hold the signature).
            if data[index] == 0x50, data[index + 1] == 0x4B, data[index + 2] == 0x05, data[index + 3] == 0x06,
               index + 22 + Int(Self.u16(data, index + 20)) == data.count {
                end = index
                break
            }
            index -= 1
        }
        guard end >= 0 else { throw ReadError(description: "it is not a ZIP archive (no central directory)") }
        let count = Int(Self.u16(data, end + 10))
        let directorySize = Int(Self.u32(data, end + 12))
        let directoryStart = Int(Self.u32(data, end + 16))
        guard count != 0xFFFF, directoryStart != 0xFFFF_FFFF else { throw ReadError(description: "it is a ZIP64 archive, which a workbook never needs") }
        guard directoryStart + directorySize <= end else { throw ReadError(description: "its central directory lies outside the file") }
        var found: [String: Entry] = [:]
        var offset = directoryStart
        for _ in 0..<count {
            guard offset + 46 <= end, Self.u32(data, offset) == 0x0201_4B50 else {
                throw ReadError(description: "its central directory is damaged")
            }
            let flags = Self.u16(data, offset + 8)
            let nameLength = Int(Self.u16(data, offset + 28))
            let extraLength = Int(Self.u16(data, offset + 30))
            let commentLength = Int(Self.u16(data, offset + 32))
            guard offset + 46 + nameLength <= end else { throw ReadError(description: "its central directory is damaged") }
            let name = String(decoding: data[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            guard found[name.lowercased()] == nil else {
                throw ReadError(description: "it names \(name) twice, which makes it ambiguous")
            }
            let compressedSize = Self.u32(data, offset + 20), size = Self.u32(data, offset + 24), local = Self.u32(data, offset + 42)
            guard compressedSize != 0xFFFF_FFFF, size != 0xFFFF_FFFF, local != 0xFFFF_FFFF else {
                throw ReadError(description: "\(name) is stored as ZIP64, which a workbook never needs")
            }
            if flags & 0x1 == 0 {
                found[name.lowercased()] = Entry(
                    method: Self.u16(data, offset + 10), crc: Self.u32(data, offset + 16), compressedSize: Int(Self.u32(data, offset + 20)),
                    size: Int(Self.u32(data, offset + 24)), localHeader: Int(Self.u32(data, offset + 42)))
            }
            offset += 46 + nameLength + extraLength + commentLength
        }
        entries = found
    }

    func contains(_ name: String) -> Bool { entries[name.lowercased()] != nil }

    /// The unpacked bytes of `name`, or nil when the archive has no such entry; an error beyond `limit` bytes.
    func data(_ name: String, limit: Int) throws(ReadError) -> [UInt8]? {
        guard let entry = entries[name.lowercased()] else { return nil }
        guard entry.size <= limit else { throw ReadError(description: "\(name) unpacks to more than \(limit >> 20) MB") }
        let header = entry.localHeader
        guard header + 30 <= bytes.count, Self.u32(bytes, header) == 0x0403_4B50 else {
            throw ReadError(description: "\(name) is damaged (no local header)")
        }
        let start = header + 30 + Int(Self.u16(bytes, header + 26)) + Int(Self.u16(bytes, header + 28))
        guard start + entry.compressedSize <= bytes.count else { throw ReadError(description: "\(name) is cut short") }
        let packed = bytes[start..<(start + entry.compressedSize)]
        let unpacked: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.size else { throw ReadError(description: "\(name) is damaged (its size does not match)") }
            unpacked = Array(packed)
        case 8: unpacked = try Self.inflate(packed, size: entry.size, limit: limit, name: name)
        default: throw ReadError(description: "\(name) is compressed with method \(entry.method), which Liaison does not read (only stored and deflated)")
        }
        guard unpacked.count == entry.size else { throw ReadError(description: "\(name) is damaged (its size does not match)") }
        let crc = unpacked.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        guard crc == entry.crc else { throw ReadError(description: "\(name) is damaged (its checksum does not match)") }
        return unpacked
    }

    /// Raw deflate with every input byte given at once: each call either makes progress or ends the loop.
    private static func inflate(_ packed: ArraySlice<UInt8>, size: Int, limit: Int, name: String) throws(ReadError) -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflate_init_raw(&stream) == Z_OK else { throw ReadError(description: "zlib could not start") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(size, limit))
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let tooLarge: Int32 = -1_000
        let result: Int32 = packed.withUnsafeBufferPointer { source in
            // zlib never writes through next_in.
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress
                    stream.avail_out = uInt(target.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output += chunk[0..<produced]
                if output.count > limit { return tooLarge }
                if status == Z_STREAM_END { return Z_STREAM_END }
                // No output room left is the only reason to call again; anything else (an error, input used up
                // before the end marker) ends here.
                guard status == Z_OK, stream.avail_out == 0 || (produced > 0 && stream.avail_in > 0) else { return status == Z_OK ? Z_BUF_ERROR : status }
            }
        }
        switch result {
        case Z_STREAM_END: return output
        case tooLarge: throw ReadError(description: "\(name) unpacks to more than \(limit >> 20) MB")
        case Z_MEM_ERROR: throw ReadError(description: "there is not enough memory to unpack \(name)")
        default: throw ReadError(description: "\(name) is damaged (its compressed data does not end properly)")
        }
    }

    private static func u16(_ data: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(data[offset]) | UInt16(data[offset + 1]) << 8
    }

    private static func u32(_ data: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(data[offset]) | UInt32(data[offset + 1]) << 8 | UInt32(data[offset + 2]) << 16 | UInt32(data[offset + 3]) << 24
    }
}

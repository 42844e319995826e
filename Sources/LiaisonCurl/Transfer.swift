import CCurl
import Foundation

/// One transfer's buffers and callbacks; only the engine's thread touches it while libcurl owns the handle.
final class Transfer: @unchecked Sendable {
    let request: CurlRequest
    var continuation: CheckedContinuation<CurlResponse, any Error>?
    private var body: [UInt8] = []
    private var headers: [String] = []
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)

    init(request: CurlRequest) {
        self.request = request
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        releaseLists()
        errorBuffer.deallocate()
    }

    func releaseLists() {
        for list in lists { curl_slist_free_all(list) }
        lists = []
    }

    private func list(_ items: [String]) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for item in items {
            guard let appended = curl_slist_append(list, item) else { continue }
            list = appended
        }
        if let list { lists.append(list) }
        return list
    }

    func configure(_ handle: UnsafeMutableRawPointer) throws(CurlError) {
        func check(_ code: CURLcode, _ what: String) throws(CurlError) {
            guard code == CURLE_OK else {
                throw CurlError("libcurl refused \(what): \(String(cString: curl_easy_strerror(code)))")
            }
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        if let refused = CurlAccess.set(
            handle, verifyPeer: request.verifyPeer, caFile: request.caFile, username: request.username, password: request.password)
        {
            try check(refused.code, refused.option)
        }
        try check(ccurl_set_string(handle, CURLOPT_URL, request.url), "the URL \(request.url)")
        try check(ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        try check(ccurl_set_long(handle, CURLOPT_TIMEOUT_MS, request.timeout.curlMilliseconds), "TIMEOUT")
        try check(ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.curlMilliseconds), "CONNECTTIMEOUT")
        try check(ccurl_set_data_callback(handle, CURLOPT_WRITEFUNCTION, transferWrite), "WRITEFUNCTION")
        try check(ccurl_set_pointer(handle, CURLOPT_WRITEDATA, me), "WRITEDATA")
        try check(ccurl_set_data_callback(handle, CURLOPT_HEADERFUNCTION, transferHeader), "HEADERFUNCTION")
        try check(ccurl_set_pointer(handle, CURLOPT_HEADERDATA, me), "HEADERDATA")

        if !request.headers.isEmpty {
            try check(ccurl_set_slist(handle, CURLOPT_HTTPHEADER, list(request.headers)), "HTTPHEADER")
        }
        switch request.method.uppercased() {
        case "GET":
            try check(ccurl_set_long(handle, CURLOPT_HTTPGET, 1), "HTTPGET")
        case "POST":
            try check(ccurl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "POSTFIELDSIZE")
            try request.body.withUnsafeBufferPointer { buffer throws(CurlError) in
                // COPYPOSTFIELDS copies the bytes, so the array need not outlive this call.
                let pointer = UnsafeMutableRawPointer(mutating: buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
                try check(ccurl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, pointer), "COPYPOSTFIELDS")
            }
        default:
            try check(ccurl_set_string(handle, CURLOPT_CUSTOMREQUEST, request.method), "CUSTOMREQUEST")
            if !request.body.isEmpty {
                try check(ccurl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "POSTFIELDSIZE")
                try request.body.withUnsafeBufferPointer { buffer throws(CurlError) in
                    try check(ccurl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress!)), "COPYPOSTFIELDS")
                }
            }
        }
    }

    func response(handle: UnsafeMutableRawPointer, result: CURLcode) -> CurlResponse {
        var code = 0
        _ = ccurl_get_long(handle, CURLINFO_RESPONSE_CODE, &code)
        var total = 0.0
        _ = ccurl_get_double(handle, CURLINFO_TOTAL_TIME, &total)
        var message = String(cString: errorBuffer)
        if message.isEmpty && result != CURLE_OK { message = String(cString: curl_easy_strerror(result)) }
        return CurlResponse(
            result: Int32(result.rawValue), errorMessage: message, responseCode: code, headers: headers, body: body, totalTime: total)
    }

    fileprivate func write(_ data: UnsafeRawBufferPointer) {
        body.append(contentsOf: data)
    }

    fileprivate func header(_ data: UnsafeRawBufferPointer) {
        // Header lines are ASCII in practice: trimmed as bytes (space, tab, CR, LF), decoded once.
        var start = data.startIndex
        var end = data.endIndex
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        while start < end, blank(data[start]) { start += 1 }
        while end > start, blank(data[end - 1]) { end -= 1 }
        guard start < end else { return }
        let line = String(decoding: UnsafeRawBufferPointer(rebasing: data[start..<end]), as: UTF8.self)
        if line.hasPrefix("HTTP/") { headers = [] }  // a new response (after 100 Continue or a redirect)
        headers.append(line)
    }

}

/// Hands the bytes libcurl delivered to the transfer behind `context`; returns how many were taken.
private func deliver(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?,
    to handler: (Transfer, UnsafeRawBufferPointer) -> Void
) -> Int {
    guard let context else { return 0 }
    let length = size * count
    if let data, length > 0 {
        handler(Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue(), UnsafeRawBufferPointer(start: data, count: length))
    }
    return length
}

private func transferWrite(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?) -> Int {
    deliver(data, size, count, context) { $0.write($1) }
}

private func transferHeader(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?) -> Int {
    deliver(data, size, count, context) { $0.header($1) }
}

import Hummingbird
import LiaisonModel
import LiaisonRender

/// Small helpers to write the pages: every value goes through ``HTML/escape(_:)``.
enum HTML {
    /// Escapes text for an element's content or a double- or single-quoted attribute value.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// A whole page: no scripts, no external resources, one small inline style, readable on a basic phone.
    ///
    /// - Parameters:
    ///   - lang: the language the page is written in (`<html lang>`).
    ///   - rtl: true for right-to-left languages (`<html dir="rtl">`).
    ///   - title: the page title (plain text).
    ///   - body: the page's content, already HTML.
    static func page(lang: String, rtl: Bool, title: String, body: String) -> String {
        let document = document(lang: lang, rtl: rtl, title: title, body: body)
        guard LanguageRun.hasMarks(document), let tag = LanguageTag(lang) else { return LanguageRun.removingMarks(document) }
        return LanguageLabels(letter: tag, direction: rtl ? .rtl : .ltr).html(document)
    }

    /// A page's opening up to its `<head>`'s end, shared by the family pages and the desk: language and direction,
    /// a phone's viewport, no referrer (links carry tokens), the title (escaped here) and the style; `extraHead` is
    /// one more line of the head when given.
    static func opening(lang: String, rtl: Bool, title: String, style: String, extraHead: String? = nil) -> String {
        """
        <!DOCTYPE html>
        <html lang="\(escape(lang))" dir="\(rtl ? "rtl" : "ltr")">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(escape(title))</title>
        <style>\(style)</style>
        \(extraHead.map { $0 + "\n" } ?? "")</head>
        """
    }

    private static func document(lang: String, rtl: Bool, title: String, body: String) -> String {
        """
        \(opening(lang: lang, rtl: rtl, title: title, style: style))
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }

    static let style =
        "body{font-family:sans-serif;font-size:1.1em;line-height:1.5;margin:0;padding:1em;max-width:36em}"
        + "h1{font-size:1.4em;margin:.3em 0}.school{color:#555;margin:0}.note{color:#555}"
        + "button{display:block;width:100%;min-height:44px;margin:.6em 0;padding:.8em;font-size:1em}"
        + "a,button{outline-offset:3px}a:focus-visible,button:focus-visible{outline:3px solid #1d4ed8}"
        + ".answer{font-weight:bold}.language-label{color:#555;font-size:.9em;white-space:nowrap}"
        + "blockquote{margin:.8em 0;padding:.5em .8em;border-inline-start:4px solid #ccc}"
        + "fieldset{border:0;margin:0;padding:0}legend{padding:0;margin:.6em 0}"
        + "button.current{font-weight:bold;border:3px solid #14532d}"
        + ".question{margin:1.2em 0}.choice{display:flex;align-items:center;gap:.5em;min-height:44px}"
        + "input[type=radio],input[type=checkbox]{width:1.4em;height:1.4em;margin:0}"
        + "input[type=text],textarea{box-sizing:border-box;width:100%;font-size:1em;padding:.5em}"
        + ".problem{color:#9b1c1c;font-weight:bold}.problems{border:3px solid #9b1c1c;padding:0 1em;margin:1em 0}"
        + "button.secondary{background:#fff;border:2px solid #555}"

    /// Headers every response carries: nothing cached, no referrer leaking the token, no framing, no scripts.
    static let securityHeaders: [(HeaderName, String)] = [
        (.cacheControl, "no-store"),
        (HeaderName("Referrer-Policy")!, "no-referrer"),
        (HeaderName("X-Content-Type-Options")!, "nosniff"),
        (HeaderName("X-Frame-Options")!, "DENY"),
        (.contentSecurityPolicy, contentSecurityPolicy),
    ]

    /// Nothing may load or run; only the inline style and form posts to this site are allowed.
    /// The desk's: its own script and requests to this site, nothing else.
    static let deskContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; "
        + "base-uri 'none'; frame-ancestors 'none'"
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; base-uri 'none'; "
        + "frame-ancestors 'none'"
}

/// `HTTPField.Name`, which Hummingbird does not re-export.
typealias HeaderName = HTTPFields.Element.Name

extension Response {
    /// An HTML page.
    static func html(_ status: HTTPResponse.Status, _ page: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }

    /// Plain text.
    static func text(_ status: HTTPResponse.Status, _ text: String, contentType: String = "text/plain; charset=utf-8")
        -> Response
    {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Adds ``HTML/securityHeaders`` to every response, errors (unknown routes, bodies too large) included; other
/// errors become a plain 500.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            // A failing ledger or outbox: say little to the client, log the rest (never the path: it holds a token).
            // Info, as a library should; /metrics counts the 500s.
            context.logger.info(
                "Request failed", metadata: ["liaison.route": "\(context.endpointPath ?? "unmatched")", "liaison.error": "\(error)"])
            response = .text(.internalServerError, "Something went wrong. Please try again later.\n")
        }
        for (name, value) in HTML.securityHeaders {
            response.headers[name] = value
        }
        // The desk runs one script of its own (live updates); the families' pages run none.
        if request.uri.path.hasPrefix("/desk") {
            response.headers[.contentSecurityPolicy] = HTML.deskContentSecurityPolicy
        }
        return response
    }
}

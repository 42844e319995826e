import Hummingbird

/// The desk's one script, written here (no third-party code): it refreshes the parts of a page marked `data-live`
/// every 10 seconds by fetching the page again and swapping those parts in, so alerts and deliveries move without
/// a reload. A button pauses it (WCAG 2.2.2); it leaves a part alone while focus is inside it; without the script
/// the pages work as they are and a reload shows the news.
enum DeskScript {
    static let path = "/desk/live.js"

    static let source = """
        "use strict";
        (function () {
          var body = document.body;
          if (!document.querySelector("[data-live]") || !window.fetch || !window.DOMParser) return;
          var paused = false;
          var button = document.createElement("button");
          button.type = "button";
          button.className = "secondary live-toggle";
          button.setAttribute("aria-pressed", "false");
          button.textContent = body.getAttribute("data-live-pause");
          button.addEventListener("click", function () {
            paused = !paused;
            button.setAttribute("aria-pressed", paused ? "true" : "false");
            button.textContent = body.getAttribute(paused ? "data-live-resume" : "data-live-pause");
          });
          var heading = document.querySelector("main h1");
          if (heading) heading.insertAdjacentElement("afterend", button);
          function refresh() {
            if (paused || document.hidden) return;
            fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { "X-Desk-Live": "1" } })
              .then(function (response) { return response.ok && !response.redirected ? response.text() : null; })
              .then(function (html) {
                if (!html) return;
                var fresh = new DOMParser().parseFromString(html, "text/html");
                document.querySelectorAll("[data-live]").forEach(function (region) {
                  var next = fresh.getElementById(region.id);
                  if (!next || next.innerHTML === region.innerHTML || region.contains(document.activeElement)) return;
                  region.innerHTML = next.innerHTML;
                });
              })
              .catch(function () {});
          }
          setInterval(refresh, 10000);
        })();
        """

    static func response() -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: source)))
    }
}

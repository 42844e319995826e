import Foundation
import LiaisonModel
import LiaisonStore
import LiaisonTestSupport
import Testing

/// Several Liaison processes on one state folder (`liaison send` and `liaison serve`, real processes against aiosmtpd
/// on 127.0.0.1), counted at the server by Message-ID: the id is derived from the delivery key, so a message sent
/// twice has the same id twice, and distinct ids are distinct deliveries.
///
/// These reproduce failures reported against the code before outbox claims had owners, fencing tokens and leases:
/// a send by hand followed by the scheduled send reaching everyone twice, and a second process taking back (and
/// sending again) rows a live process was still sending.
@Suite(.serialized) struct MultiProcessTests {
    /// `open-day`'s planned send: 10:00 London time (BST) on 5 June 2030, that is 09:00Z.
    static let sendAt = "2030-06-05T10:00"
    static let occurrence = "open-day@2030-06-05T09:00:00Z"

    // MARK: - 1. A send by hand, then the scheduled send

    /// `liaison send open-day` sends the planned 10:00 send early; `liaison serve`, started just before 10:00 on its
    /// clock, then finds it done: nobody gets it twice. A second event planned for the same minute, never sent by
    /// hand, shows that the scheduler did pass 10:00 (it is queued and sent in the same pass).
    @Test func sendByHandThenScheduledSendReachesNobodyTwice() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl"])
        defer { server.stop() }
        let guardians = 60
        let school = try SchoolFixture(guardians: guardians, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot, sendAt: Self.sendAt)
        defer { school.remove() }
        try DaemonTests.append(school, "events.yaml", """
              - id: book-fair
                kind: announcement
                title: Book Fair
                start: 2030-06-20T09:00
                audience: everyone
                template: announcement
                notify:
                  send_at: [\(Self.sendAt)]

            """)

        let manual = try runLiaison(["send", "open-day", "--config", school.config])
        #expect(manual.status == 0, "\(manual.output)")
        #expect(manual.output.contains("its send planned for 2030-06-05T09:00:00Z, now"), "\(manual.output)")
        #expect(manual.output.contains("Queued \(guardians) new deliveries (0 already in the outbox)"), "\(manual.output)")
        #expect(Self.delivered(server).distinct == guardians)

        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:59:57Z")
        defer { daemon.stop() }
        // The control event goes at 10:00 on the daemon's clock: the same scheduler pass looked at open-day.
        let control = try #require(daemon.waitForLog("queued a scheduled send", timeout: 30), "\(daemon.output)")
        #expect(control["event"] as? String == "book-fair", "\(daemon.output)")
        #expect(control["deliveries"] as? String == "\(guardians)")
        #expect(await Self.waitFor(60) { Self.delivered(server).total >= 2 * guardians }, "\(daemon.output)")
        try await Task.sleep(for: .seconds(2))  // anything open-day might still send would show by now
        #expect(daemon.stop() == 0, "\(daemon.output)")

        // open-day's scheduled send queued nothing new: either the scheduler found the send by hand in its journal,
        // or it queued it and found every delivery already there.
        let openDay = daemon.logs("queued a scheduled send").filter { $0["event"] as? String == "open-day" }
        #expect(openDay.allSatisfy { $0["deliveries"] as? String == "0" }, "\(openDay)")
        print("manual then scheduled: open-day scheduled-send log lines: \(openDay)")
        let messages = Self.delivered(server)
        #expect(messages.total == 2 * guardians, "every guardian once per event: \(messages)")
        #expect(messages.distinct == 2 * guardians)
        #expect(messages.duplicates == 0)
        let rows = try DaemonTests.outbox(school, event: "open-day")
        #expect(rows.count == guardians)
        #expect(rows.allSatisfy { $0["occurrence"] as? String == Self.occurrence && $0["state"] as? String == "sent" }, "\(rows.prefix(3))")
    }

    // MARK: - 2. Two processes on one state folder

    /// (a) Two `liaison send open-day` a moment apart: the second starts while the first is still sending and queues
    /// only what the first has not; neither takes the other's rows.
    @Test func twoSendsOfTheSameEventOverlap() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.02"])
        defer { server.stop() }
        let guardians = 1000
        let school = try SchoolFixture(guardians: guardians, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot)
        defer { school.remove() }

        let first = try SendProcess(config: school.config)
        defer { first.kill() }
        #expect(await Self.waitFor(60) { Self.delivered(server).total >= 50 || !first.isRunning })
        let overlapped = first.isRunning
        let second = try SendProcess(config: school.config)
        defer { second.kill() }
        let firstRun = await first.finish()
        let secondRun = await second.finish()
        #expect(overlapped, "the first send finished before the second started: \(firstRun.output)")
        #expect(firstRun.status == 0, "\(firstRun.output)")
        #expect(secondRun.status == 0, "\(secondRun.output)")
        let firstQueued = Self.queuedCount(firstRun.output)
        let secondQueued = Self.queuedCount(secondRun.output)
        print("two sends: first queued \(firstQueued.map(String.init) ?? "?"), second queued \(secondQueued.map(String.init) ?? "?")")
        #expect(firstQueued.map { $0 + (secondQueued ?? 0) } == guardians, "\(firstRun.output)\n\(secondRun.output)")
        #expect(!secondRun.output.contains("Recovered"), "the second send took nothing from the first: \(secondRun.output)")
        try await Self.expectEveryoneOnce(server, school, guardians: guardians)
    }

    /// (a') Two `liaison send open-day` started together: both render and queue at once, racing to insert the same
    /// keys; each row is queued (and claimed) by one of them only.
    @Test func twoSendsStartedTogether() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.01"])
        defer { server.stop() }
        let guardians = 1000
        let school = try SchoolFixture(guardians: guardians, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot)
        defer { school.remove() }
        // The outbox file exists before both start (as it does on a school that has sent before).
        let check = try runLiaison(["outbox", "--config", school.config])
        #expect(check.status == 0, "\(check.output)")

        let first = try SendProcess(config: school.config)
        defer { first.kill() }
        let second = try SendProcess(config: school.config)
        defer { second.kill() }
        let firstRun = await first.finish()
        let secondRun = await second.finish()
        #expect(firstRun.status == 0, "\(firstRun.output)")
        #expect(secondRun.status == 0, "\(secondRun.output)")
        let firstQueued = Self.queuedCount(firstRun.output)
        let secondQueued = Self.queuedCount(secondRun.output)
        print("two sends together: first queued \(firstQueued.map(String.init) ?? "?"), second queued \(secondQueued.map(String.init) ?? "?")")
        #expect(firstQueued.map { $0 + (secondQueued ?? 0) } == guardians, "\(firstRun.output)\n\(secondRun.output)")
        try await Self.expectEveryoneOnce(server, school, guardians: guardians)
    }

    /// (b) `liaison serve` starts while `liaison send` is sending: the daemon's recovery (at start and every lease
    /// interval) leaves the live sender's rows alone. Run with the default lease (60 s) and the shortest (2 s), where
    /// the daemon looks every 0.67 s and the send must keep renewing while it renders and sends.
    @Test(arguments: [nil, "2s"] as [String?])
    func serveStartedWhileSendIsSending(lease: String?) async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.02"])
        defer { server.stop() }
        let guardians = 1000
        let school = try SchoolFixture(guardians: guardians, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot, lease: lease)
        defer { school.remove() }

        let send = try SendProcess(config: school.config)
        defer { send.kill() }
        #expect(await Self.waitFor(60) { Self.delivered(server).total >= 50 || !send.isRunning })
        let overlapped = send.isRunning
        let daemon = try DaemonProcess(config: school.config)
        defer { daemon.stop() }
        let sendRun = await send.finish()
        #expect(overlapped, "the send finished before the daemon started: \(sendRun.output)")
        #expect(sendRun.status == 0, "\(sendRun.output)")
        #expect(Self.queuedCount(sendRun.output) == guardians, "\(sendRun.output)")
        // The daemon ran alongside for the rest of the send; give its keeper one more pass after the send ended.
        try await Task.sleep(for: .seconds(1))
        #expect(daemon.process.isRunning, "\(daemon.output)")
        #expect(daemon.logs("took back deliveries").isEmpty, "the daemon took rows from the live send: \(daemon.output)")
        #expect(daemon.stop() == 0, "\(daemon.output)")
        try await Self.expectEveryoneOnce(server, school, guardians: guardians)
    }

    /// (c) `liaison send open-day` while `liaison serve` is sending the same planned send on schedule: both queue
    /// under the scheduler's key, so each guardian's row is queued once, by one of them, and sent by that one.
    @Test func sendWhileServeSendsOnSchedule() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.02"])
        defer { server.stop() }
        let guardians = 1000
        let school = try SchoolFixture(guardians: guardians, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot, sendAt: Self.sendAt)
        defer { school.remove() }

        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:59:58Z")
        defer { daemon.stop() }
        #expect(await Self.waitFor(60) { Self.delivered(server).total >= 50 }, "\(daemon.output)")
        let sendingBefore = Self.delivered(server).total
        let send = try SendProcess(config: school.config)
        defer { send.kill() }
        let sendRun = await send.finish()
        #expect(sendRun.status == 0, "\(sendRun.output)")
        #expect(sendRun.output.contains("its send planned for 2030-06-05T09:00:00Z"), "the same occurrence: \(sendRun.output)")
        let scheduled = try #require(daemon.waitForLog("queued a scheduled send", timeout: 60), "\(daemon.output)")
        #expect(scheduled["occurrence"] as? String == Self.occurrence)
        #expect(await Self.waitFor(90) { Self.delivered(server).total >= guardians }, "\(daemon.output)")
        try await Task.sleep(for: .seconds(1))
        #expect(daemon.stop() == 0, "\(daemon.output)")

        let daemonQueued = Int(scheduled["deliveries"] as? String ?? "") ?? -1
        let daemonFound = Int(scheduled["already_queued"] as? String ?? "") ?? -1
        let sendQueued = Self.queuedCount(sendRun.output) ?? -1
        print("send during scheduled send: \(sendingBefore) sent when the send started; daemon queued \(daemonQueued) (found \(daemonFound)), send queued \(sendQueued)")
        #expect(sendingBefore < guardians, "the daemon was still sending when the send started")
        #expect(daemonQueued + sendQueued == guardians, "each row queued by one of them: \(daemon.logs("queued a scheduled send"))\n\(sendRun.output)")
        #expect(daemon.logs("took back deliveries").isEmpty, "\(daemon.output)")
        try await Self.expectEveryoneOnce(server, school, guardians: guardians, occurrence: Self.occurrence)
    }

    /// (c') `liaison send open-day` started just before the daemon's scheduled send comes due: the two queue the
    /// same occurrence at about the same time, and between them queue everyone once.
    @Test func sendAndScheduledSendQueueTogether() async throws {
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.02"])
        defer { server.stop() }
        let guardians = 1000
        let school = try SchoolFixture(guardians: guardians, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot, sendAt: Self.sendAt)
        defer { school.remove() }

        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:59:59Z")
        defer { daemon.stop() }
        let send = try SendProcess(config: school.config)
        defer { send.kill() }
        let sendRun = await send.finish()
        #expect(sendRun.status == 0, "\(sendRun.output)")
        #expect(sendRun.output.contains("its send planned for 2030-06-05T09:00:00Z"), "the same occurrence: \(sendRun.output)")
        #expect(await Self.waitFor(90) { Self.delivered(server).total >= guardians }, "\(daemon.output)")
        // The scheduler comes to 09:00 about a second after the daemon starts, long before the send has sent 1,000
        // messages and recorded its journal entry; were it later, it would find the entry and queue nothing (no log).
        let scheduled = daemon.waitForLog("queued a scheduled send", timeout: 5) ?? [:]
        try await Task.sleep(for: .seconds(1))
        #expect(daemon.stop() == 0, "\(daemon.output)")

        let daemonQueued = Int(scheduled["deliveries"] as? String ?? "") ?? 0
        let daemonFound = Int(scheduled["already_queued"] as? String ?? "")
        let sendQueued = Self.queuedCount(sendRun.output) ?? -1
        print("send and scheduled send together: daemon queued \(daemonQueued) (found \(daemonFound.map(String.init) ?? "no log")), send queued \(sendQueued)")
        #expect(daemonQueued + sendQueued == guardians, "\(daemon.logs("queued a scheduled send"))\n\(sendRun.output)")
        if let daemonFound {
            #expect(scheduled["occurrence"] as? String == Self.occurrence)
            #expect(daemonQueued + daemonFound == guardians)
        }
        #expect(daemon.logs("took back deliveries").isEmpty, "\(daemon.output)")
        try await Self.expectEveryoneOnce(server, school, guardians: guardians, occurrence: Self.occurrence)
    }

    // MARK: - 3. A failed write under serve

    /// The outbox file refuses writes for a few seconds while `liaison serve` sends (an LD_PRELOAD shim makes
    /// `pwrite`/`write`/`fsync`/`fdatasync` on it fail with ENOSPC while a trigger file exists): results that could
    /// not be recorded leave rows `sending`. Once writes work again, the daemon takes them back itself (their lease,
    /// 2 s, is no longer renewed) and sends them, without a restart. Only those rows may reach a guardian twice (they
    /// may have been accepted before their result failed to be written).
    /// Run twice: every write and sync refused (SQLite sees a full disk), and only `fsync`/`fdatasync` refused (the
    /// WAL frames are written but never synced: SQLite sees an I/O error).
    @Test(arguments: ["write,pwrite,pwrite64,fsync,fdatasync", "fsync,fdatasync"])
    func failedWriteUnderServeIsRecoveredWithoutRestart(calls: String) async throws {
        let shim = try FailingWriteShim()
        defer { shim.remove() }
        let server = try LocalServer(script: "smtp_server.py", arguments: ["--log", "$DIR/log.jsonl", "--delay", "0.02"])
        defer { server.stop() }
        let guardians = 600
        let school = try SchoolFixture(
            guardians: guardians, smtpPort: server.port, repositoryRoot: LocalServer.repositoryRoot, sendAt: Self.sendAt, lease: "2s")
        defer { school.remove() }

        let daemon = try DaemonProcess(config: school.config, clockStart: "2030-06-05T08:59:58Z", environment: shim.environment(matching: "outbox.sqlite", calls: calls))
        defer { daemon.stop() }
        #expect(await Self.waitFor(60) { Self.delivered(server).total >= 60 }, "\(daemon.output)")
        try shim.fail()
        let refused = waitUntil(15) { daemon.output.contains("liaison-shim: refused") }
        #expect(refused, "the shim refused no write: \(daemon.output)")
        try await Task.sleep(for: .seconds(3))  // longer than a lease: what was in flight has expired, and cannot be recovered yet
        let store = try SQLiteOutboxStore(path: school.folder.appendingPathComponent("state/outbox.sqlite").path)
        let stuck = try await store.counts(eventID: "open-day")[.sending] ?? 0
        let deliveredWhileFailing = Self.delivered(server).total
        shim.heal()
        let healed = Date()

        let done = try await Self.waitFor(90) { try await store.counts(eventID: "open-day")[.sent] == guardians }
        let catchUp = Date().timeIntervalSince(healed)
        let countsAfterHealing = try await store.counts(eventID: "open-day").filter { $0.value > 0 }
        #expect(done, "\(countsAfterHealing) \(daemon.output.suffix(3000))")
        #expect(daemon.process.isRunning, "the daemon kept running: \(daemon.output.suffix(3000))")
        let recovered = daemon.logs("took back deliveries").compactMap { Int($0["count"] as? String ?? "") }.reduce(0, +)
        let problems = daemon.logs.filter { ["warning", "error", "critical"].contains($0["level"] as? String ?? "") }
            .map { "\($0["level"] ?? ""): \($0["msg"] ?? "") \($0["error"] ?? "")" }
        #expect(daemon.stop() == 0, "\(daemon.output.suffix(3000))")
        let messages = Self.delivered(server)
        print("failed write (\(calls)): \(stuck) left sending while writes failed (\(deliveredWhileFailing) accepted by then), \(recovered) taken back, all sent \(String(format: "%.1f", catchUp)) s after writes worked again; server \(messages.total) accepted, \(messages.distinct) distinct, \(messages.duplicates) duplicate(s); \(shim.refusals(in: daemon.output)) write(s) refused; logged: \(Set(problems).sorted())")
        #expect(stuck > 0, "the failed writes left rows in flight")
        #expect(recovered >= stuck, "the daemon took back what was left sending")
        #expect(messages.distinct == guardians)
        #expect(messages.duplicates <= recovered, "only rows taken back may have gone twice")
        let counts = try await store.counts(eventID: "open-day").filter { $0.value > 0 }
        #expect(counts == [.sent: guardians], "\(counts)")
    }

    // MARK: - Helpers

    /// Messages the server accepted: all of them, distinct Message-IDs, and how many were repeats.
    static func delivered(_ server: LocalServer) -> (total: Int, distinct: Int, duplicates: Int) {
        let ids = server.logLines().compactMap { $0["message_id"] as? String }
        let distinct = Set(ids).count
        return (ids.count, distinct, ids.count - distinct)
    }

    /// Every guardian reached exactly once, and every outbox row `sent` (under `occurrence` when given).
    static func expectEveryoneOnce(
        _ server: LocalServer, _ school: SchoolFixture, guardians: Int, occurrence: String? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) async throws {
        let messages = delivered(server)
        print("  server: \(messages.total) accepted, \(messages.distinct) distinct, \(messages.duplicates) duplicate(s)")
        #expect(messages.distinct == guardians, "every guardian reached", sourceLocation: sourceLocation)
        #expect(messages.duplicates == 0, "no crash, so no duplicate: \(messages)", sourceLocation: sourceLocation)
        let recipients = server.logLines().flatMap { ($0["to"] as? [String]) ?? [] }
        #expect(Set(recipients).count == guardians, sourceLocation: sourceLocation)
        let store = try SQLiteOutboxStore(path: school.folder.appendingPathComponent("state/outbox.sqlite").path)
        let counts = try await store.counts(eventID: "open-day").filter { $0.value > 0 }
        #expect(counts == [.sent: guardians], "final outbox: \(counts)", sourceLocation: sourceLocation)
        if let occurrence {
            let rows = try await store.deliveries(matching: DeliveryQuery(eventID: "open-day"))
            #expect(rows.allSatisfy { $0.key.occurrence == occurrence }, sourceLocation: sourceLocation)
        }
    }

    /// "Queued N new deliveries" from a send's output.
    static func queuedCount(_ output: String) -> Int? {
        guard let range = output.range(of: "Queued ") else { return nil }
        return Int(output[range.upperBound...].prefix { $0.isNumber })
    }

    /// Checks `condition` every 50 ms until it holds or `timeout` seconds have passed; returns its last answer.
    static func waitFor(_ timeout: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}

/// A `liaison send open-day` running in the background, its output drained as it comes, stopped by PID if a test
/// ends before it does.
final class SendProcess: @unchecked Sendable {
    let process: Process
    private let reader: Task<Data, Never>

    init(config: String, event: String = "open-day", environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = liaisonExecutable
        process.arguments = ["send", event, "--config", config]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        self.process = process
        reader = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
    }

    var isRunning: Bool { process.isRunning }

    /// Waits for the end (at most `timeout` s, then SIGKILL) and returns the exit status and output.
    func finish(timeout: Double = 120) async -> (status: Int32, output: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill() }
        process.waitUntilExit()
        let text = String(decoding: await reader.value, as: UTF8.self)
        return (process.terminationStatus, text)
    }

    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// An LD_PRELOAD library, compiled by the test with `cc`, that makes the chosen writes and syncs on files whose path
/// contains a given text fail with ENOSPC while a trigger file exists (SQLite's shared-memory file `-shm` is left alone). It
/// notes each refusal on standard error as `liaison-shim: refused <call> <path>` (the first 50).
struct FailingWriteShim {
    let folder: URL
    var library: URL { folder.appendingPathComponent("failwrite.so") }
    var trigger: URL { folder.appendingPathComponent("fail-now") }

    static let source = #"""
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <errno.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/types.h>
        #include <unistd.h>

        static int refusals = 0;

        static int refuse(int fd, const char *call) {
            int saved = errno;
            const char *trigger = getenv("LIAISON_FAIL_TRIGGER");
            const char *match = getenv("LIAISON_FAIL_MATCH");
            const char *calls = getenv("LIAISON_FAIL_CALLS");
            int result = 0;
            char wanted[64];
            snprintf(wanted, sizeof wanted, ",%s,", call);
            if (trigger && match && calls && strstr(calls, wanted) && access(trigger, F_OK) == 0) {
                char link[64], path[4096];
                snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
                ssize_t n = readlink(link, path, sizeof path - 1);
                if (n > 0) {
                    path[n] = 0;
                    result = strstr(path, match) != NULL && strstr(path, "-shm") == NULL;
                    if (result && __atomic_add_fetch(&refusals, 1, __ATOMIC_RELAXED) <= 50) {
                        char line[4200];
                        int length = snprintf(line, sizeof line, "liaison-shim: refused %s %s\n", call, path);
                        if (length > 0) {
                            ssize_t (*real_write)(int, const void *, size_t) = dlsym(RTLD_NEXT, "write");
                            real_write(2, line, (size_t)length);
                        }
                    }
                }
            }
            errno = saved;
            return result;
        }

        ssize_t write(int fd, const void *buffer, size_t count) {
            static ssize_t (*real)(int, const void *, size_t);
            if (!real) real = dlsym(RTLD_NEXT, "write");
            if (refuse(fd, "write")) { errno = ENOSPC; return -1; }
            return real(fd, buffer, count);
        }

        ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
            static ssize_t (*real)(int, const void *, size_t, off_t);
            if (!real) real = dlsym(RTLD_NEXT, "pwrite");
            if (refuse(fd, "pwrite")) { errno = ENOSPC; return -1; }
            return real(fd, buffer, count, offset);
        }

        ssize_t pwrite64(int fd, const void *buffer, size_t count, off64_t offset) {
            static ssize_t (*real)(int, const void *, size_t, off64_t);
            if (!real) real = dlsym(RTLD_NEXT, "pwrite64");
            if (refuse(fd, "pwrite64")) { errno = ENOSPC; return -1; }
            return real(fd, buffer, count, offset);
        }

        int fsync(int fd) {
            static int (*real)(int);
            if (!real) real = dlsym(RTLD_NEXT, "fsync");
            if (refuse(fd, "fsync")) { errno = ENOSPC; return -1; }
            return real(fd);
        }

        int fdatasync(int fd) {
            static int (*real)(int);
            if (!real) real = dlsym(RTLD_NEXT, "fdatasync");
            if (refuse(fd, "fdatasync")) { errno = ENOSPC; return -1; }
            return real(fd);
        }
        """#

    struct ShimError: Error { var message: String }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("liaison-shim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = folder.appendingPathComponent("failwrite.c")
        try Self.source.write(to: source, atomically: true, encoding: .utf8)
        let built = try runProgram("cc", ["-shared", "-fPIC", "-O1", "-o", library.path, source.path, "-ldl"], mergeErrors: true)
        guard built.status == 0 else { throw ShimError(message: "cc could not build the shim: \(built.output)") }
    }

    /// The environment for a process whose writes to files matching `text` are to fail on demand.
    /// `calls`: which of write, pwrite, pwrite64, fsync, fdatasync fail, separated by commas.
    func environment(matching text: String, calls: String) -> [String: String] {
        ["LD_PRELOAD": library.path, "LIAISON_FAIL_TRIGGER": trigger.path, "LIAISON_FAIL_MATCH": text, "LIAISON_FAIL_CALLS": ",\(calls),"]
    }

    /// From now on, writes fail.
    func fail() throws { try Data().write(to: trigger) }

    /// From now on, writes work again.
    func heal() { try? FileManager.default.removeItem(at: trigger) }

    func refusals(in output: String) -> Int {
        output.components(separatedBy: "liaison-shim: refused").count - 1
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

import Foundation

/// What a program run to its end by a test wrote, and how it exited.
public struct ProgramOutput: Sendable {
    public var status: Int32
    /// Standard output (with standard error in it when the run merged them).
    public var output: String
    /// Standard error, when it was not merged into `output`.
    public var errors: String
}

/// Runs `program` (found on `PATH`) with `arguments` to its end. Standard error goes into `output` when
/// `mergeErrors`, else it is read on a thread of its own, so a program writing much of both never blocks.
public func runProgram(_ program: String, _ arguments: [String], mergeErrors: Bool = false) throws -> ProgramOutput {
    try runProgram(at: URL(fileURLWithPath: "/usr/bin/env"), [program] + arguments, mergeErrors: mergeErrors)
}

/// ``runProgram(_:_:mergeErrors:)`` for an executable given by its path.
public func runProgram(at executable: URL, _ arguments: [String], mergeErrors: Bool = false) throws -> ProgramOutput {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let output = Pipe()
    let errors = mergeErrors ? output : Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let errorData = Locked(Data())
    let errorsRead = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        if !mergeErrors { errorData.value = errors.fileHandleForReading.readDataToEndOfFile() }
        errorsRead.signal()
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    errorsRead.wait()
    return ProgramOutput(
        status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
        errors: String(decoding: errorData.value, as: UTF8.self))
}

/// A value shared between threads (callbacks, readers) behind a lock.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    public init(_ value: Value) { stored = value }
    public var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

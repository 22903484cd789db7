#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes all of `bytes` to `descriptor`, going on after interruptions and waiting while a
/// non-blocking descriptor is full.
///
/// - Throws: `SystemError` for `what` when the system refuses (`EPIPE`, `ENOSPC`, `EIO`, ...).
func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, what: @autoclosure () -> String) throws(SystemError)
{
    var written = 0
    while written < bytes.count {
        let result = unsafe write(descriptor, bytes.baseAddress.map { unsafe $0 + written }, bytes.count - written)
        if result < 0 {
            if errno == EINTR { continue }
            if errno == EAGAIN {
                var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = unsafe poll(&poller, 1, 1_000)
                continue
            }
            throw SystemError.lastError(what())
        }
        written += result
    }
}

/// Writes all of `bytes` to `descriptor` (see the raw-buffer form).
func writeAll(_ descriptor: Int32, _ bytes: [UInt8], what: @autoclosure () -> String) throws(SystemError) {
    var failure: SystemError?
    unsafe bytes.withUnsafeBytes { raw in
        do throws(SystemError) {
            try unsafe writeAll(descriptor, raw, what: what())
        } catch {
            failure = error
        }
    }
    if let failure { throw failure }
}

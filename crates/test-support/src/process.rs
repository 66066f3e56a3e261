//! Starting the real servers tests use.

use std::{
    collections::BTreeSet,
    hash::{BuildHasher, Hasher, RandomState},
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};

/// A free loopback port for a server a test starts.
///
/// Chosen at random in 16000–31999, below Linux's ephemeral range
/// (32768–60999): a port the kernel handed out for `bind(0)` is handed out
/// again to outgoing connections, so a server started on it a moment later
/// could find it taken ("Address in use"). Never the same port twice in one
/// process, never the stack's reserved 3000–3009, and checked free on every
/// interface, as the servers bind there too.
pub fn free_port() -> u16 {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let seed = RandomState::new().build_hasher().finish();
    for attempt in 0..16_000u64 {
        let port = 16_000 + ((seed.wrapping_add(attempt.wrapping_mul(7919))) % 16_000) as u16;
        if handed_out.contains(&port) {
            continue;
        }
        if TcpListener::bind(("0.0.0.0", port)).is_ok() && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            handed_out.insert(port);
            return port;
        }
    }
    panic!("no free port in 16000-31999");
}

/// Spawns `program`, explaining how to install it when it is missing.
pub(crate) fn spawn(program: &str, args: &[&str], package: &str, log: &Path) -> Child {
    let log_file = std::fs::File::create(log).expect("cannot create server log file");
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log file handle"))
        .stderr(log_file)
        .spawn()
        .unwrap_or_else(|error| {
            panic!("cannot start `{program}` ({error}); install it with `sudo apt-get install -y {package}`")
        })
}

/// Waits until `port` accepts connections, or panics with the server's log.
pub(crate) fn wait_for_port(port: u16, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let output = std::fs::read_to_string(log).unwrap_or_default();
            panic!("server on port {port} exited with {status}:\n{output}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("server on port {port} did not start within 10 s:\n{}", std::fs::read_to_string(log).unwrap_or_default());
}

/// Stops a child: SIGTERM first (so servers flush), SIGKILL after 5 s.
pub(crate) fn stop(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

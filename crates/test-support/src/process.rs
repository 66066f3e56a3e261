//! Starting the real servers tests use.

use std::{
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A free loopback port, outside the stack's reserved 3000–3009.
pub fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("cannot bind loopback").port();
        if !(3000..=3009).contains(&port) {
            return port;
        }
    }
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

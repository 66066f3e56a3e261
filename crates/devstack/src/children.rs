//! Child processes: spawned with a fixed environment, their output prefixed
//! with their name, restarted when they crash (and the crash reported), and
//! stopped with SIGTERM then SIGKILL.
//!
//! A signal sent through [`Supervised::signal`] is a requested restart, not a
//! crash: it does not count towards the crash-loop guard, whatever exit status
//! the child reports for it (nats-server exits 1 on SIGTERM).

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context as _;
use nix::{sys::signal::Signal, unistd::Pid};
use tokio::{
    io::{AsyncBufReadExt as _, BufReader},
    process::{Child, Command},
    sync::watch,
};

/// How to start one child.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Log prefix and pid-file name.
    pub name: String,
    /// The executable.
    pub program: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// The complete environment (nothing is inherited but `PATH` and `HOME`).
    pub env: Vec<(String, String)>,
    /// Restart it when it exits on its own.
    pub restart: bool,
}

/// A supervised child. Cheap to clone.
#[derive(Clone)]
pub struct Supervised {
    name: String,
    pid: Arc<Mutex<Option<u32>>>,
    /// Set by [`Supervised::signal`]: the next exit was asked for.
    requested: Arc<AtomicBool>,
    stop: watch::Sender<bool>,
    done: watch::Receiver<bool>,
}

/// Crashes within this window count towards giving up.
const CRASH_WINDOW: Duration = Duration::from_secs(60);
/// After this many crashes in the window, stop restarting.
const MAX_CRASHES: usize = 5;

impl Supervised {
    /// Starts `spec` and keeps it running until [`Supervised::stop`]; pid files go to `run_dir`.
    pub fn start(spec: Spec, run_dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(run_dir).with_context(|| format!("cannot create {}", run_dir.display()))?;
        let first = spawn(&spec)?;
        let (stop, stop_rx) = watch::channel(false);
        let (done_tx, done) = watch::channel(false);
        let pid = Arc::new(Mutex::new(first.id()));
        let requested = Arc::new(AtomicBool::new(false));
        let this =
            Self { name: spec.name.clone(), pid: Arc::clone(&pid), requested: Arc::clone(&requested), stop, done };
        let pid_file = run_dir.join(format!("{}.pid", spec.name));
        write_pid(&pid_file, first.id());
        let watched = Watched { pid, requested, pid_file, stop: stop_rx, done: done_tx };
        tokio::spawn(supervise(spec, first, watched));
        Ok(this)
    }

    /// The current process id, if running.
    pub fn pid(&self) -> Option<u32> {
        *self.pid.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The child's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends `sig` to the running process, as a requested restart; returns
    /// the pid it went to.
    pub fn signal(&self, sig: Signal) -> Option<u32> {
        let pid = self.pid()?;
        self.requested.store(true, Ordering::SeqCst);
        signal(pid, sig);
        Some(pid)
    }

    /// Stops supervising and SIGKILLs the process at once, without waiting:
    /// for a stack dropped without [`Supervised::stop`] (a failed test).
    pub fn kill_now(&self) {
        let _ = self.stop.send(true);
        if let Some(pid) = self.pid() {
            signal(pid, Signal::SIGKILL);
        }
    }

    /// SIGTERM, then SIGKILL after `grace`; returns once it has exited.
    pub async fn stop(&self, grace: Duration) {
        let _ = self.stop.send(true);
        if let Some(pid) = self.pid() {
            signal(pid, Signal::SIGTERM);
        }
        let mut done = self.done.clone();
        if tokio::time::timeout(grace, done.wait_for(|d| *d)).await.is_err() {
            eprintln!("{} did not stop within {grace:?}; killing it", self.name);
            if let Some(pid) = self.pid() {
                signal(pid, Signal::SIGKILL);
            }
            let _ = done.wait_for(|d| *d).await;
        }
    }
}

fn signal(pid: u32, signal: Signal) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = nix::sys::signal::kill(Pid::from_raw(pid), signal);
    }
}

fn write_pid(path: &Path, pid: Option<u32>) {
    if let Some(pid) = pid {
        let _ = std::fs::write(path, pid.to_string());
    }
}

fn spawn(spec: &Spec) -> anyhow::Result<Child> {
    let mut command = Command::new(&spec.program);
    command.args(&spec.args).env_clear().stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for name in ["PATH", "HOME"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command.envs(spec.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut child =
        command.spawn().with_context(|| format!("cannot start {} ({})", spec.name, spec.program.display()))?;
    let color = 31 + (spec.name.bytes().map(u32::from).sum::<u32>() % 6);
    let prefix = format!("\x1b[{color}m{:>11} |\x1b[0m", spec.name);
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(copy_lines(prefix.clone(), BufReader::new(stdout)));
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(copy_lines(prefix, BufReader::new(stderr)));
    }
    Ok(child)
}

/// Copies a child's output line by line, prefixed with its name.
async fn copy_lines(prefix: String, reader: impl tokio::io::AsyncBufRead + Unpin) {
    let mut lines = reader.lines();
    while let Ok(Some(line)) = lines.next_line().await {
        println!("{prefix} {line}");
    }
}

/// The supervisor's side of a [`Supervised`].
struct Watched {
    pid: Arc<Mutex<Option<u32>>>,
    requested: Arc<AtomicBool>,
    pid_file: PathBuf,
    stop: watch::Receiver<bool>,
    done: watch::Sender<bool>,
}

async fn supervise(spec: Spec, mut child: Child, watched: Watched) {
    let Watched { pid, requested, pid_file, mut stop, done } = watched;
    let mut crashes: Vec<Instant> = Vec::new();
    loop {
        let status = child.wait().await;
        *pid.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        if *stop.borrow() {
            break;
        }
        let described =
            status.map_or_else(|e| format!("could not be waited for ({e})"), |s| format!("exited with {s}"));
        let asked = requested.swap(false, Ordering::SeqCst);
        if asked {
            eprintln!("{} {described}, as requested", spec.name);
        } else {
            eprintln!("\x1b[31m{} {described}\x1b[0m", spec.name);
        }
        if !spec.restart {
            break;
        }
        crashes.retain(|at| at.elapsed() < CRASH_WINDOW);
        if !asked {
            crashes.push(Instant::now());
        }
        if crashes.len() > MAX_CRASHES {
            eprintln!("\x1b[31m{} crashed {} times in a minute; not restarting it\x1b[0m", spec.name, crashes.len());
            break;
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        match spawn(&spec) {
            Ok(next) => {
                eprintln!("{} restarted", spec.name);
                *pid.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = next.id();
                write_pid(&pid_file, next.id());
                child = next;
            }
            Err(error) => {
                eprintln!("\x1b[31mcannot restart {}: {error:#}\x1b[0m", spec.name);
                break;
            }
        }
    }
    let _ = std::fs::remove_file(&pid_file);
    let _ = done.send(true);
}

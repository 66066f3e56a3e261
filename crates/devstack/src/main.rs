//! `devstack [--bin-dir DIR] [--data-dir DIR]`: runs the whole app at
//! http://localhost:3000 until Ctrl-C or SIGTERM. Usually started by
//! `scripts/dev.sh`, which builds everything first.

use std::{path::PathBuf, process::ExitCode};

use common::config::Env;
use devstack::{options::Options, stack::Stack};

#[tokio::main]
async fn main() -> ExitCode {
    let mut bin_dir = None;
    let mut data_dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--bin-dir", Some(dir)) => bin_dir = Some(PathBuf::from(dir)),
            ("--data-dir", Some(dir)) => data_dir = Some(PathBuf::from(dir)),
            _ => {
                eprintln!("usage: devstack [--bin-dir DIR] [--data-dir DIR]");
                return ExitCode::from(2);
            }
        }
    }
    let options = match Options::from_env(&Env::from_process(), bin_dir, data_dir) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(1);
        }
    };
    let mut stack = match Stack::start(options).await {
        Ok(stack) => stack,
        Err(error) => {
            eprintln!("\x1b[31mcannot start ticketing:\x1b[0m {error:#}");
            return ExitCode::from(1);
        }
    };
    common::runtime::shutdown_signal().await;
    println!("stopping ticketing…");
    stack.stop().await;
    println!("stopped");
    ExitCode::SUCCESS
}

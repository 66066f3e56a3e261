//! The local trace sink behind `scripts/dev.sh --traces`: an OTLP/HTTP (JSON)
//! receiver on `PORT` (default 4318) that appends every span it gets to
//! `TRACES_FILE` (default `data/traces.jsonl`), one JSON object a line, until
//! SIGTERM or Ctrl-C. `trace-tree` prints them.

use std::{io::Write as _, net::SocketAddr, process::ExitCode, sync::Mutex};

use common::config::Env;

#[tokio::main]
async fn main() -> ExitCode {
    let env = Env::from_process();
    let Ok(Ok(port)) = env.positive_int("PORT", 4318).map(u16::try_from) else {
        eprintln!("PORT must be a positive integer");
        return ExitCode::from(1);
    };
    let path = env.string_or("TRACES_FILE", "data/traces.jsonl");
    if let Some(folder) = std::path::Path::new(&path).parent() {
        let _ = std::fs::create_dir_all(folder);
    }
    let file = match std::fs::OpenOptions::new().create(true).append(true).open(&path) {
        Ok(file) => Mutex::new(file),
        Err(error) => {
            eprintln!("cannot open {path}: {error}");
            return ExitCode::from(1);
        }
    };
    let app = test_support::otlp::router(move |spans| {
        let mut file = file.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for span in spans {
            let line = serde_json::to_string(&span).expect("a span serializes");
            if let Err(error) = writeln!(file, "{line}") {
                eprintln!("cannot write a span: {error}");
            }
        }
    });
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = match common::http::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(1);
        }
    };
    eprintln!("traces: OTLP/HTTP on http://{addr}, spans appended to {path}");
    match axum::serve(listener, app).with_graceful_shutdown(common::runtime::shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("trace receiver stopped: {error}");
            ExitCode::from(1)
        }
    }
}

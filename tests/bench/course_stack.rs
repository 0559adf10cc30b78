//! The course stack the issue compares us with (`../shared/bench/course-stack/`): `ingest.py` loads
//! a Tall CSV with pandas into SQLite, `app.py` serves it with FastAPI. The bench makes its venv
//! (pandas, fastapi, `uvicorn[standard]` from PyPI) under target/bench-data/, loads the file once,
//! and runs uvicorn with 2 workers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::support::workspace;

/// The running course-stack server; stopped when dropped.
pub struct CourseStack {
    child: Child,
    pub base: String,
}

impl Drop for CourseStack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // uvicorn's workers are its children: they go with their parent's process group.
        let _ = Command::new("pkill")
            .args(["-f", "uvicorn app:app --workers 2 --host 127.0.0.1 --port"])
            .status();
    }
}

fn run(command: &mut Command) -> Result<String, String> {
    let output = command
        .output()
        .map_err(|error| format!("{command:?}: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{command:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Loads `file` (once) and serves it on `port`; `Err` says why the comparison cannot run here.
pub fn start(file: &Path, port: u16) -> Result<CourseStack, String> {
    let source = workspace().join("../shared/bench/course-stack");
    if !source.join("app.py").is_file() {
        return Err(format!("{} is missing", source.display()));
    }
    let data = workspace().join("target/bench-data");
    let venv = data.join("course-venv");
    let bin = venv.join("bin");
    if !bin.join("uvicorn").is_file() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(bin.join("pip")).args([
            "install",
            "-q",
            "pandas",
            "fastapi",
            "uvicorn[standard]",
        ]))?;
    }
    let stem = file
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("file");
    let database: PathBuf = data.join(format!("course-{stem}.sqlite"));
    if !database.is_file() {
        let partial = database.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        let said = run(Command::new(bin.join("python"))
            .arg(source.join("ingest.py"))
            .arg(file)
            .arg(&partial))?;
        println!("course stack ingest: {}", said.trim());
        std::fs::rename(&partial, &database).map_err(|error| error.to_string())?;
    }
    let child = Command::new(bin.join("uvicorn"))
        .args(["app:app", "--workers", "2", "--host", "127.0.0.1", "--port"])
        .arg(port.to_string())
        .args(["--log-level", "warning"])
        .current_dir(&source)
        .env("PRICES_DB", &database)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|error| format!("start uvicorn: {error}"))?;
    let stack = CourseStack {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            super::first_request(&format!("{}/health", stack.base), &[]);
            return Ok(stack);
        }
        if Instant::now() > deadline {
            return Err("uvicorn did not answer /health within 60 s".to_owned());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

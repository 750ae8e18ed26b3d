//! `dsregcmd /status`, raw bytes kept: as the user running the collector, and as SYSTEM
//! through a one-shot scheduled task (`schtasks`), which is what enrollment sees. The task
//! and its output file are removed whatever happens.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::bundle::{Bundle, StepError, StepResult};

/// dsregcmd can wait on the network; past this it is abandoned.
const TIMEOUT: Duration = Duration::from_secs(60);
const TASK: &str = "mde-doctor-dsregcmd";

/// `%SystemRoot%\System32\dsregcmd.exe` when it exists, else whatever `PATH` finds: never the
/// current directory first.
fn dsregcmd() -> PathBuf {
    let root = std::env::var("SystemRoot").unwrap_or_else(|_| r"C:\Windows".into());
    let system = PathBuf::from(root).join(r"System32\dsregcmd.exe");
    if system.is_file() {
        return system;
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("dsregcmd.exe"))
                .find(|p| p.is_file())
        })
        .unwrap_or(system)
}

pub(super) fn as_user(b: &mut Bundle) -> Result<StepResult, StepError> {
    let exe = dsregcmd();
    let output = run_bounded(Command::new(&exe).arg("/status"))
        .map_err(|e| StepError::failed(format!("{}: {e}", exe.display())))?;
    let code = output.status.code();
    if output.stdout.is_empty() {
        return Err(StepError {
            message: format!(
                "{} printed nothing: {}",
                exe.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            exit_code: code,
            skipped: false,
        });
    }
    b.add("dsregcmd-status.txt", output.stdout);
    Ok(StepResult {
        exit_code: code,
        ..StepResult::default()
    })
}

pub(super) fn as_system(b: &mut Bundle) -> Result<StepResult, StepError> {
    let dir = std::env::temp_dir().join(format!("mde-doctor-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| StepError::failed(format!("{}: {e}", dir.display())))?;
    let out = dir.join("dsregcmd-system.txt");
    let result = run_task(&out);
    // Whatever happened: no task and no file left behind.
    let _ = schtasks(&["/Delete", "/TN", TASK, "/F"]);
    let bytes = std::fs::read(&out).ok();
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    match bytes {
        Some(bytes) if !bytes.is_empty() => {
            b.add("dsregcmd-status-system.txt", bytes);
            Ok(StepResult::default())
        }
        _ => Err(StepError::failed("the SYSTEM task ran but wrote no output")),
    }
}

fn run_task(out: &std::path::Path) -> Result<(), StepError> {
    let command = format!(
        "cmd.exe /c \"\"{}\" /status > \"{}\" 2>&1\"",
        dsregcmd().display(),
        out.display()
    );
    // A start time in the past: the task only runs when /Run says so.
    schtasks(&[
        "/Create", "/TN", TASK, "/SC", "ONCE", "/ST", "00:00", "/RU", "SYSTEM", "/RL", "HIGHEST",
        "/TR", &command, "/F",
    ])?;
    schtasks(&["/Run", "/TN", TASK])?;
    let started = Instant::now();
    // Done when the output stops growing for a second, or at the timeout.
    let mut last = None;
    while started.elapsed() < TIMEOUT {
        std::thread::sleep(Duration::from_millis(500));
        let len = std::fs::metadata(out).map(|m| m.len()).ok();
        if len.is_some_and(|l| l > 0) && len == last {
            return Ok(());
        }
        last = len;
    }
    Err(StepError::failed(format!(
        "the SYSTEM task did not finish within {} s",
        TIMEOUT.as_secs()
    )))
}

fn schtasks(args: &[&str]) -> Result<(), StepError> {
    let output = run_bounded(Command::new("schtasks.exe").args(args))
        .map_err(|e| StepError::failed(format!("schtasks {}: {e}", args[0])))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(StepError {
            message: format!(
                "schtasks {} failed (exit {}): {}{}",
                args[0],
                output
                    .status
                    .code()
                    .map_or_else(|| "?".to_string(), |c| c.to_string()),
                String::from_utf8_lossy(&output.stderr).trim(),
                String::from_utf8_lossy(&output.stdout).trim()
            ),
            exit_code: output.status.code(),
            skipped: false,
        })
    }
}

/// Runs a program, killing it at the timeout.
fn run_bounded(command: &mut Command) -> std::io::Result<std::process::Output> {
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let out_thread = drain(child.stdout.take(), 16 << 20);
    let err_thread = drain(child.stderr.take(), 1 << 20);
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("no answer within {} s; stopped", TIMEOUT.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(std::process::Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}

/// Reads a pipe to its end on a thread, keeping at most `limit` bytes.
fn drain(
    pipe: Option<impl std::io::Read + Send + 'static>,
    limit: u64,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = pipe {
            let _ = std::io::Read::read_to_end(&mut std::io::Read::take(p, limit), &mut buf);
        }
        buf
    })
}

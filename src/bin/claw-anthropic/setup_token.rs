//! `models auth setup-token`: run `claude setup-token` and store the token it prints.

use crate::auth::store_token;
use crate::common::{
    CliResult, Failure, agent_auth, failure, load_config, normalized_provider, print_saved_id,
    read_secret, usage,
};
use claw_anthropic::AgentId;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use rustix::termios::{OptionalActions, Termios, tcgetattr, tcgetwinsize, tcsetattr, tcsetwinsize};
use std::ffi::OsStr;
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::{Command, ExitCode, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub(crate) fn find_setup_token(output: &str) -> Option<String> {
    let start = output.find("sk-ant-oat01-")?;
    let tok: String = output[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    Some(tok)
}

pub(crate) fn claude_on_path() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("claude"))
        .find(|p| p.is_file())
}

pub(crate) fn setup_token(
    agent: Option<&AgentId>,
    provider: &str,
    profile_id: Option<&str>,
    expires_in: Option<Duration>,
) -> CliResult {
    let provider = normalized_provider(provider);
    if provider != "anthropic" {
        return Err(usage(format!(
            "setup-tokens are issued for provider \"anthropic\" only (got \"{provider}\"); use `models auth paste-token --provider {provider}` for other tokens"
        )));
    }
    let config = load_config()?;
    let auth = agent_auth(&config, agent);
    let token = match claude_on_path() {
        Some(claude) => {
            eprintln!("Running `claude setup-token` (follow its instructions)…");
            let seen = run_on_terminal(&claude)?;
            match find_setup_token(&seen.output) {
                Some(t) => t,
                None => {
                    let how = match seen.status {
                        Some(s) if s.success() => "printed no token".to_owned(),
                        Some(s) => format!("ended ({s}) without printing a token"),
                        None => "was stopped".to_owned(),
                    };
                    eprintln!(
                        "`claude setup-token` {how}; paste the token instead (input is hidden)."
                    );
                    read_secret("Paste the setup-token: ")?
                }
            }
        }
        None => {
            eprintln!(
                "The Claude Code CLI (`claude`) is not on PATH. Run `claude setup-token` on any machine where it is installed, then paste the token here (input is hidden)."
            );
            read_secret("Paste the setup-token: ")?
        }
    };
    let id = store_token(&auth, &provider, &token, profile_id, expires_in)?;
    print_saved_id(&id)?;
    eprintln!(
        "Saved {id} for agent \"{}\" in {}",
        auth.agent(),
        config.paths().display(auth.store_path())
    );
    Ok(ExitCode::SUCCESS)
}

/// What `claude setup-token` showed, and how it ended (`None`: stopped with Ctrl-C).
struct Seen {
    output: String,
    status: Option<ExitStatus>,
}

/// The most output kept for finding the token (the rest is shown, not kept).
const KEEP_OUTPUT: usize = 1024 * 1024;

/// Runs `claude setup-token` on a pseudo-terminal: everything it prints reaches this terminal
/// (its sign-in URL and prompts), what the person types reaches it, and its output is kept to
/// find the token it prints. This terminal is in raw mode meanwhile (restored afterwards), so
/// keys reach the program as typed; Ctrl-C stops it.
fn run_on_terminal(claude: &Path) -> Result<Seen, Failure> {
    let pty_err = |e: std::io::Error| {
        failure(format!(
            "could not open a pseudo-terminal for `claude setup-token`: {e}"
        ))
    };
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).map_err(|e| pty_err(e.into()))?;
    grantpt(&master).map_err(|e| pty_err(e.into()))?;
    unlockpt(&master).map_err(|e| pty_err(e.into()))?;
    let name = ptsname(&master, Vec::new()).map_err(|e| pty_err(e.into()))?;
    let slave_path = Path::new(OsStr::from_bytes(name.as_bytes()));
    let slave = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(rustix::fs::OFlags::NOCTTY.bits() as i32)
            .open(slave_path)
            .map_err(pty_err)?
    };
    if let Ok(size) = tcgetwinsize(std::io::stdout()) {
        let _ = tcsetwinsize(&slave, size);
    }
    let mut child = Command::new(claude)
        .arg("setup-token")
        .stdin(Stdio::from(slave.try_clone().map_err(pty_err)?))
        .stdout(Stdio::from(slave.try_clone().map_err(pty_err)?))
        .stderr(Stdio::from(slave))
        .spawn()
        .map_err(|e| failure(format!("could not run `claude setup-token`: {e}")))?;
    let raw = RawMode::enter();
    let stop = Arc::new(AtomicBool::new(false));
    let interrupted = Arc::new(AtomicBool::new(false));
    let to_child = File::from(master.try_clone().map_err(pty_err)?);
    let relay = {
        let (stop, interrupted) = (stop.clone(), interrupted.clone());
        let pid = rustix::process::Pid::from_child(&child);
        std::thread::spawn(move || relay_keys(to_child, &stop, &interrupted, pid))
    };
    let mut from_child = File::from(master);
    let mut output = Vec::new();
    let mut buf = [0u8; 8192];
    let mut screen = std::io::stdout().lock();
    loop {
        match from_child.read(&mut buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            // EIO: the program and everything it started have closed the terminal.
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let _ = screen.write_all(&buf[..n]).and_then(|()| screen.flush());
                if output.len() < KEEP_OUTPUT {
                    output.extend_from_slice(&buf[..n]);
                }
            }
        }
    }
    drop(screen);
    let status = child.wait().ok();
    stop.store(true, Ordering::Relaxed);
    let _ = relay.join();
    drop(raw);
    if interrupted.load(Ordering::Relaxed) {
        eprintln!();
    }
    Ok(Seen {
        output: String::from_utf8_lossy(&output).into_owned(),
        status: status.filter(|_| !interrupted.load(Ordering::Relaxed)),
    })
}

/// Copies stdin to the program's terminal until `stop`; Ctrl-C (in raw mode it arrives as a
/// byte) interrupts the program, which has no controlling terminal of its own.
fn relay_keys(
    mut to_child: File,
    stop: &AtomicBool,
    interrupted: &AtomicBool,
    pid: rustix::process::Pid,
) {
    let stdin = std::io::stdin();
    let tick = Timespec {
        tv_sec: 0,
        tv_nsec: 100_000_000,
    };
    let mut buf = [0u8; 1024];
    while !stop.load(Ordering::Relaxed) {
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        match poll(&mut fds, Some(&tick)) {
            Ok(0) => continue,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => return,
        }
        let n = match rustix::io::read(stdin.as_fd(), &mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(rustix::io::Errno::INTR | rustix::io::Errno::AGAIN) => continue,
            Err(_) => return,
        };
        if std::io::stdin().is_terminal() && buf[..n].contains(&0x03) {
            interrupted.store(true, Ordering::Relaxed);
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
            return;
        }
        if to_child.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}

/// This terminal in raw mode while the guard lives (nothing when stdin is not a terminal).
struct RawMode {
    saved: Option<(OwnedFd, Termios)>,
}

impl RawMode {
    fn enter() -> RawMode {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return RawMode { saved: None };
        }
        let Ok(fd) = stdin.as_fd().try_clone_to_owned() else {
            return RawMode { saved: None };
        };
        let Ok(saved) = tcgetattr(&fd) else {
            return RawMode { saved: None };
        };
        let mut raw = saved.clone();
        raw.make_raw();
        if tcsetattr(&fd, OptionalActions::Now, &raw).is_err() {
            return RawMode { saved: None };
        }
        RawMode {
            saved: Some((fd, saved)),
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some((fd, saved)) = &self.saved {
            let _ = tcsetattr(fd, OptionalActions::Now, saved);
        }
    }
}

//! The image as Docker runs it, without Docker: deploy/Dockerfile's final stage is read (ENV, USER,
//! WORKDIR, VOLUME, the binary's COPY destination, ENTRYPOINT + CMD, HEALTHCHECK, STOPSIGNAL) and the
//! binary is started with exactly that command, environment (and nothing else), working directory and
//! uid. The image's file system is a temporary folder: every absolute path the Dockerfile names lives
//! under it. Substituted, and only these: the port (a free one instead of 8080, which may be taken
//! here), the binary (this build's, linked where the COPY puts it) and, on PostgreSQL, the database URL
//! (as the compose file and the manifests set it, after their migration step, `priceline migrate up`).
//! The suite runs as root in CI, so the server runs as the image's uid (through `setpriv`); run as
//! another user, the suite cannot switch, and the server runs as that user (USER is still checked to
//! be numeric and not 0).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use priceline_store::Backend;

use super::{deploy_dir, stderr_of};
use crate::on_both_backends;
use crate::support::db::TestDb;

/// Debian's default PATH, which the runtime base image (debian:*-slim) sets and the Dockerfile keeps.
const BASE_IMAGE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// What the final stage of deploy/Dockerfile declares.
#[derive(Debug, Default)]
struct Image {
    env: Vec<(String, String)>,
    uid: u32,
    gid: u32,
    workdir: String,
    volumes: Vec<String>,
    /// Where `COPY --from=… …/priceline DEST` puts the binary.
    binary: String,
    command: Vec<String>,
    healthcheck: Vec<String>,
    healthcheck_timeout: Duration,
    stop_signal: String,
}

/// An exec-form (JSON array) argument list: the shell form would make `sh` PID 1, which does not
/// forward the stop signal to the server.
fn exec_form(instruction: &str, text: &str) -> Vec<String> {
    serde_json::from_str(text)
        .unwrap_or_else(|_| panic!("{instruction} must be in exec form (a JSON array): {text}"))
}

fn seconds(text: &str) -> Duration {
    let number = text
        .strip_suffix('s')
        .expect("a duration in seconds, such as 5s");
    Duration::from_secs(number.parse().unwrap())
}

impl Image {
    fn read() -> Self {
        let text = std::fs::read_to_string(deploy_dir().join("Dockerfile")).unwrap();
        // Comment lines go first (they may sit between continuation lines), then continuations join.
        let text: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .map(|line| format!("{line}\n"))
            .collect();
        let text = text.replace("\\\n", " ");
        let final_stage = text
            .lines()
            .rev()
            .take_while(|line| !line.trim_start().to_uppercase().starts_with("FROM "))
            .collect::<Vec<_>>();
        let mut image = Image::default();
        let (mut entrypoint, mut cmd) = (Vec::new(), Vec::new());
        for line in final_stage.into_iter().rev() {
            let Some((keyword, rest)) = line.trim().split_once(char::is_whitespace) else {
                continue;
            };
            let rest = rest.trim();
            match keyword.to_uppercase().as_str() {
                "ENV" => {
                    for pair in rest.split_whitespace() {
                        let (name, value) = pair
                            .split_once('=')
                            .unwrap_or_else(|| panic!("ENV in NAME=value form: {rest}"));
                        image.env.push((name.to_owned(), value.to_owned()));
                    }
                }
                "USER" => {
                    let (uid, gid) = rest.split_once(':').unwrap_or((rest, rest));
                    image.uid = uid
                        .parse()
                        .unwrap_or_else(|_| panic!("USER must be numeric: {rest}"));
                    image.gid = gid
                        .parse()
                        .unwrap_or_else(|_| panic!("USER's group must be numeric: {rest}"));
                }
                "WORKDIR" => image.workdir = rest.to_owned(),
                "VOLUME" => image.volumes.extend(exec_form("VOLUME", rest)),
                "COPY" if rest.contains("--from=") && rest.contains("priceline") => {
                    image.binary = rest.split_whitespace().last().unwrap().to_owned();
                }
                "ENTRYPOINT" => entrypoint = exec_form("ENTRYPOINT", rest),
                "CMD" => cmd = exec_form("CMD", rest),
                "HEALTHCHECK" => {
                    let (options, command) =
                        rest.split_once("CMD ").expect("HEALTHCHECK … CMD […]");
                    image.healthcheck = exec_form("HEALTHCHECK CMD", command.trim());
                    // Docker's default probe timeout is 30 s.
                    image.healthcheck_timeout = options
                        .split_whitespace()
                        .find_map(|option| option.strip_prefix("--timeout="))
                        .map_or(Duration::from_secs(30), seconds);
                }
                "STOPSIGNAL" => image.stop_signal = rest.to_owned(),
                _ => {}
            }
        }
        image.command = entrypoint.into_iter().chain(cmd).collect();
        image
    }

    fn env(&self, name: &str) -> &str {
        self.env
            .iter()
            .find(|(variable, _)| variable == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("the Dockerfile sets {name}"))
    }
}

/// The effective uid of this process (Linux): root can run the server as the image's user.
fn effective_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("Uid:"))
        .unwrap();
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// The real, effective, saved and file-system uids of a process.
fn uids_of(pid: u32) -> Vec<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("Uid:"))
        .unwrap();
    line.split_whitespace()
        .skip(1)
        .map(|uid| uid.parse().unwrap())
        .collect()
}

/// The server, stopped if the test fails before it does.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The image's file system, its environment and its user.
struct Container {
    root: tempfile::TempDir,
    image: Image,
    env: Vec<(String, String)>,
    /// Run as the image's uid (this process is root); otherwise as ourselves.
    switch_user: bool,
}

impl Container {
    fn path(&self, image_path: &str) -> PathBuf {
        self.root.path().join(image_path.trim_start_matches('/'))
    }

    /// `argv` as Docker runs it: as the image's user, in WORKDIR, with the image's environment only.
    fn command(&self, argv: &[String]) -> Command {
        let mut command = if self.switch_user {
            let mut command = Command::new("/usr/bin/setpriv");
            command
                .arg(format!("--reuid={}", self.image.uid))
                .arg(format!("--regid={}", self.image.gid))
                .arg("--clear-groups")
                .arg("--")
                .args(argv);
            command
        } else {
            let mut command = Command::new(&argv[0]);
            command.args(&argv[1..]);
            command
        };
        command
            .env_clear()
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .current_dir(self.path(&self.image.workdir));
        command
    }

    /// Runs the HEALTHCHECK command: its exit code, its stderr and how long it took.
    fn healthcheck(&self) -> (Option<i32>, String, Duration) {
        let started = Instant::now();
        let output = self.command(&self.image.healthcheck).output().unwrap();
        (output.status.code(), stderr_of(&output), started.elapsed())
    }
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

fn lay_out(image: Image, db: &TestDb) -> Container {
    let root = tempfile::tempdir().unwrap();
    // Traversable by the image's user, as `/` is.
    std::fs::set_permissions(
        root.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let switch_user = effective_uid() == 0;
    let mut container = Container {
        root,
        image,
        env: Vec::new(),
        switch_user,
    };
    let image = &container.image;

    // The binary where the COPY puts it, found through the base image's PATH. A copy, not a link:
    // the image's user may not be allowed into the folders of this build (a clone under /root).
    let binary = container.path(&image.binary);
    std::fs::create_dir_all(binary.parent().unwrap()).unwrap();
    let built = crate::import::priceline_binary();
    if std::fs::hard_link(&built, &binary).is_err() {
        std::fs::copy(&built, &binary).unwrap();
    }
    let bin_dir = Path::new(&image.binary).parent().unwrap().to_str().unwrap();
    assert!(
        BASE_IMAGE_PATH.split(':').any(|dir| dir == bin_dir),
        "{} is not on the image's PATH, so `{}` would not be found",
        image.binary,
        image.command[0]
    );
    let path = BASE_IMAGE_PATH
        .split(':')
        .map(|dir| container.path(dir).display().to_string())
        .chain(["/usr/bin".to_owned(), "/bin".to_owned()])
        .collect::<Vec<_>>()
        .join(":");

    // WORKDIR and the volumes, owned by the image's user as the Dockerfile makes them.
    for dir in std::iter::once(&image.workdir).chain(&image.volumes) {
        let dir = container.path(dir);
        std::fs::create_dir_all(&dir).unwrap();
        if switch_user {
            chown(&dir, image.uid, image.gid);
        }
    }

    // The image's environment: absolute paths are in the image's file system; the port is a free one.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut env = vec![("PATH".to_owned(), path)];
    for (name, value) in &image.env {
        let value = if name == "PRICELINE_LISTEN" {
            let (host, _) = value.rsplit_once(':').unwrap();
            format!("{host}:{port}")
        } else if name == "PRICELINE_DATABASE_URL" && db.url.backend() == Backend::Postgres {
            db.url.connection_string()
        } else if value.starts_with('/') {
            container.path(value).display().to_string()
        } else {
            value.clone()
        };
        env.push((name.clone(), value));
    }
    container.env = env;
    container
}

fn the_image_command_serves_as_its_user_and_passes_its_healthcheck(db: TestDb) {
    let image = Image::read();
    assert_ne!(image.uid, 0, "USER must not be root");
    assert_eq!(image.command[0], "priceline", "ENTRYPOINT runs the binary");
    assert_eq!(image.stop_signal, "SIGTERM");
    let listen = image.env("PRICELINE_LISTEN").to_owned();
    assert!(
        listen.starts_with("0.0.0.0:") || listen.starts_with("[::]:"),
        "a container serves on every interface: {listen}"
    );
    let database = image.env("PRICELINE_DATABASE_URL").to_owned();
    assert!(
        image
            .volumes
            .iter()
            .any(|volume| database.starts_with(&format!("{volume}/"))),
        "the SQLite database {database} is on a VOLUME ({:?})",
        image.volumes
    );
    let container = lay_out(image, &db);

    if db.url.backend() == Backend::Postgres {
        let migrate = ["priceline", "migrate", "up"].map(String::from);
        let output = container.command(&migrate).output().unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
    }

    let log_path = container.root.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut server = Server(
        container
            .command(&container.image.command)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let server_log = || std::fs::read_to_string(&log_path).unwrap_or_default();

    // Docker probes until the first success (start period); the server must get there in a minute.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut code, mut stderr, mut took) = container.healthcheck();
    while code != Some(0) {
        if let Some(status) = server.0.try_wait().unwrap() {
            panic!("the server exited ({status}):\n{}", server_log());
        }
        assert!(
            Instant::now() < deadline,
            "the HEALTHCHECK never passed: {stderr}\n{}",
            server_log()
        );
        std::thread::sleep(Duration::from_millis(200));
        (code, stderr, took) = container.healthcheck();
    }
    assert!(
        took < container.image.healthcheck_timeout,
        "the probe took {took:?}, over the HEALTHCHECK's --timeout"
    );

    let pid = server.0.id();
    if container.switch_user {
        let uid = container.image.uid;
        assert_eq!(uids_of(pid), vec![uid; 4], "the server runs as uid {uid}");
        if db.url.backend() == Backend::Sqlite {
            let file = std::fs::metadata(container.path(&database)).unwrap();
            assert_eq!(file.uid(), uid, "the database on the volume is the user's");
        }
    }

    // The stop signal: the server stops by itself, well within Docker's default 10 s, and the
    // HEALTHCHECK then fails.
    let signal = container.image.stop_signal.trim_start_matches("SIG");
    let status = Command::new("kill")
        .args(["-s", signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "still running 10 s after SIG{signal}:\n{}",
            server_log()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        exit.success(),
        "exit after SIG{signal}: {exit}\n{}",
        server_log()
    );
    let (code, stderr, _) = container.healthcheck();
    assert_eq!(
        code,
        Some(1),
        "the HEALTHCHECK of a stopped server: {stderr}"
    );
}
on_both_backends!(the_image_command_serves_as_its_user_and_passes_its_healthcheck);

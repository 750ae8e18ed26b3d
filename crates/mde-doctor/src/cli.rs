//! Command-line arguments.

use clap::{Parser, Subcommand, ValueEnum};

/// Explains why a Windows device fails to onboard to Security Management for Microsoft
/// Defender for Endpoint, and what to do about it.
#[derive(Debug, Parser)]
#[command(name = "mde-doctor", version, about, long_about = None, propagate_version = true)]
pub(crate) struct Cli {
    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub(crate) color: ColorWhen,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Diagnose one device from its evidence bundle (a directory or .zip).
    ///
    /// Every file of the bundle is listed in the report's Evidence section with what it was
    /// read as, or why it was not.
    #[command(
        after_help = "Examples:\n  mde-doctor analyze examples/bundles/tenant-mismatch\n  mde-doctor analyze PC-0042.zip --format html --output PC-0042.html\n  mde-doctor analyze bundles/*/ --format json > fleet.jsonl\n\nExit status (several bundles: the worst of them, in the order 2, 1, 3, 0):\n  0  healthy: security management works and nothing is wrong\n  1  failing: at least one error finding (an out-of-scope OS is one)\n  2  the input could not be used (bad arguments, no bundle, nothing in it readable)\n  3  incomplete: no error found, but evidence the verdict needs is missing"
    )]
    Analyze {
        /// The bundle: a directory or a .zip. Several bundles are analyzed in parallel: one
        /// summary line each (text), one diagnosis per line (json, JSON lines), or one page
        /// each in the --output folder (html).
        #[arg(value_name = "BUNDLE", required = true, num_args = 1..)]
        bundles: Vec<std::path::PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Write the report to this file instead of standard output (with several bundles
        /// and --format html: the folder for their pages).
        #[arg(long, short, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// An Entra Connect configuration export (Get-ADSyncServerConfiguration): its
        /// In from AD – Computer Join rule and connector scope decide whether the device's AD
        /// object (ad/*.ldif) syncs, instead of the default rule.
        #[arg(long, value_name = "DIR")]
        aadconnect_config: Option<std::path::PathBuf>,
        /// The Entra Connect version, for its default rule when no export is given.
        #[arg(long, value_name = "VERSION")]
        entra_connect_version: Option<String>,
        #[command(flatten)]
        upload: crate::commands::UploadArgs,
    },
    /// Run the fleet console: ingest API, device list, side panel, fleet root causes.
    ///
    /// Storage is a SQLite file in --data (default ./mde-console-data) or a PostgreSQL
    /// database (--database postgres://…). On first run it prints a one-time setup URL that
    /// creates the administrator.
    #[command(
        after_help = "Examples:\n  mde-doctor serve --demo\n  mde-doctor serve --listen 0.0.0.0:8080 --data /var/lib/mde-console\n  mde-doctor serve --database postgres://console@db/console"
    )]
    Serve(crate::commands::ServeArgs),
    /// Manage the console's per-fleet ingest tokens (printed once, stored hashed).
    #[command(subcommand)]
    Token(crate::commands::TokenCommand),
    /// The fleet view without a server: overview, device table and root-cause clusters of
    /// many bundles (directories or .zip) or analyze JSON reports, as one HTML, JSON or CSV.
    ///
    /// A directory that is not itself a bundle is read one level deep. Exit status: 0 no
    /// device failing, 1 some failing, 2 nothing readable, 3 some inputs could not be read.
    #[command(
        after_help = "Examples:\n  mde-doctor fleet bundles/ --format html -o fleet.html\n  mde-doctor fleet PC-*.zip reports/*.json --format csv"
    )]
    Fleet {
        /// Bundles (directories or .zip), analyze JSON reports, or directories holding them.
        #[arg(value_name = "DIR|ZIP|JSON", required = true)]
        inputs: Vec<std::path::PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = FleetFormat::Html)]
        format: FleetFormat,
        /// Write to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Timeline of the events that explain registration and onboarding failures, from
    /// .evtx files and XML exports (wevtutil qe /f:xml, Event Viewer "Save as XML").
    ///
    /// Known events (device registration, AAD, AAD runtime, SENSE, onboarding) are decoded:
    /// parameters by name, HRESULTs through the hybrid-join table, AAD errors split into error
    /// code, Win32 API, URL and AAD error.
    ///
    /// Events are shown in time order, so with --all the output of a log is held until the
    /// log is read (about its size in JSON); a log over 256 MiB is read twice instead (the
    /// times first), so that memory stays flat. MDE_DOCTOR_EVENTS_HOLD_MAX=BYTES sets that
    /// size.
    #[command(
        after_help = "Examples:\n  mde-doctor events \"Microsoft-Windows-User Device Registration%4Admin.evtx\"\n  mde-doctor events events/*.evtx --since 2026-11-01 --level error --format json\n  mde-doctor events Security.evtx --all --channel security"
    )]
    Events {
        /// Event log files (.evtx or .xml).
        #[arg(value_name = "FILE", required = true)]
        files: Vec<std::path::PathBuf>,
        /// Only events at or after this time (YYYY-MM-DD or RFC 3339, UTC).
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only events whose channel contains this text (case-insensitive).
        #[arg(long, value_name = "TEXT")]
        channel: Option<String>,
        /// Only events at this level or more severe.
        #[arg(long, value_enum)]
        level: Option<LevelFilter>,
        /// Every event, not only the ones mde-doctor knows.
        #[arg(long)]
        all: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        limits: ReadLimits,
    },
    /// Explain an enrollment status code or a hybrid-join error code.
    ///
    /// CODE is what the Defender portal or HKLM\SOFTWARE\Microsoft\SenseCM\EnrollmentStatus
    /// shows (15, or regedit's 0x0000000f (15)), a 2021 symbolic name
    /// (EnrollmentRegistrationFailure_AAD_MismatchTenants, any case), or an HRESULT from
    /// dsregcmd or the event logs (0x801c001d or -2145648611).
    #[command(
        after_help = "Examples:\n  mde-doctor explain 15\n  mde-doctor explain 0x801c001d --format json"
    )]
    Explain {
        /// The code to explain.
        #[arg(value_name = "CODE", allow_hyphen_values = true)]
        code: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the catalog of enrollment status codes (or hybrid-join error codes).
    Codes {
        /// Output format.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// List the hybrid-join error codes (HRESULTs) instead.
        #[arg(long)]
        hresults: bool,
        /// Only codes of this category (enrollment codes only).
        #[arg(long, value_name = "CATEGORY", conflicts_with = "hresults")]
        category: Option<String>,
    },
    /// Show what mde-doctor reads from evidence files: registry exports (.reg), offline
    /// hives, dsregcmd /status output, bundles (directory or .zip), probes and manifests.
    ///
    /// The kind of each file is detected from its content, not its name. Exit status 2 if a
    /// file cannot be used at all; a file read with problems is shown with them.
    #[command(
        after_help = "Examples:\n  mde-doctor inspect dsregcmd-status.txt\n  mde-doctor inspect registry/*.reg --format json\n  mde-doctor inspect hives/SOFTWARE --all"
    )]
    Inspect {
        /// Files or bundle directories to read.
        #[arg(value_name = "FILE", required = true)]
        files: Vec<std::path::PathBuf>,
        /// Output format (json: one document, `files` holding one object per file).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// For hives: read every key, not only the ones mde-doctor uses.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        limits: ReadLimits,
    },
    /// Gather this device's evidence into a bundle and diagnose it (Windows, run as
    /// administrator).
    ///
    /// Collects the registry keys the checks use, dsregcmd /status (as the user and as
    /// SYSTEM), event logs, the service connection point over LDAP, and the probes; writes the
    /// zip, the HTML report beside it, and prints the verdict. Exit status as analyze: 0
    /// healthy, 1 an error finding, 2 nothing usable could be collected.
    #[command(
        after_help = "Examples:\n  mde-doctor collect\n  mde-doctor collect --output C:\\Temp\\PC-0042.zip --since 30d --no-probes"
    )]
    Collect {
        /// The bundle to write (default: mde-doctor-HOSTNAME-TIME.zip in the current directory).
        #[arg(long, short, value_name = "FILE.zip")]
        output: Option<std::path::PathBuf>,
        /// Event log window: events newer than this many days (`14d`) or hours (`12h`).
        #[arg(long, value_name = "AGE", default_value = "14d")]
        since: String,
        /// Skip the network and clock probes.
        #[arg(long)]
        no_probes: bool,
        #[command(flatten)]
        probe: ProbeArgs,
        #[command(flatten)]
        upload: crate::commands::UploadArgs,
    },
    /// Network and clock probes from this device: DNS servers and domain controllers, name
    /// resolution, TCP, proxy and TLS to each required endpoint, LDAP to the DCs, clock skew.
    ///
    /// Writes probes.json (what analyze reads) with --output; prints a summary otherwise.
    /// Exit status: 0 every probe passed, 1 one failed, 2 bad arguments.
    #[command(
        after_help = "Examples:\n  mde-doctor probe\n  mde-doctor probe --domain contoso.com --dns 10.0.0.10 --output probes.json\n  mde-doctor probe --proxy http://proxy.contoso.com:3128 --format json"
    )]
    Probe {
        #[command(flatten)]
        probe: ProbeArgs,
        /// Write probes.json here.
        #[arg(long, short, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The Entra Connect sync-rule expression language: evaluate expressions over exported
    /// AD computer objects, or check them.
    #[command(subcommand)]
    Syncrule(SyncruleCommand),
    /// Print the JSON Schema of a command's `--format json` output (its contract).
    ///
    /// Every JSON document mde-doctor prints starts with `"schema": "mde-doctor/<command>/v1"`;
    /// JSON-lines outputs start with a line holding only that tag. Fields are added within a
    /// version, never renamed or removed.
    #[command(
        after_help = "Examples:\n  mde-doctor schema --list\n  mde-doctor schema analyze\n  mde-doctor schema --write docs/schema"
    )]
    Schema {
        /// The output: a tag (`mde-doctor/analyze/v1`) or its short name (`analyze`,
        /// `syncrule-eval`). All of them when omitted.
        name: Option<String>,
        /// List the tags and shapes instead.
        #[arg(long, conflicts_with = "write")]
        list: bool,
        /// Write one `<name>.v<N>.json` file per output into this folder.
        #[arg(long, value_name = "DIR")]
        write: Option<std::path::PathBuf>,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  mde-doctor completions bash > /etc/bash_completion.d/mde-doctor"
    )]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// Size limits on what is read from one file (`mde_artifacts::ReadOptions`), raised from
/// the command line when a real artifact is larger than the defaults.
#[derive(Debug, Clone, Copy, clap::Args)]
pub(crate) struct ReadLimits {
    /// Largest file read [default: 512M, event logs 2G]; K, M, G suffixes (powers of 1024).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_file_size: Option<u64>,
    /// Largest text artifact (.reg, dsregcmd, JSON) parsed whole [default: 32M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_text_size: Option<u64>,
}

impl ReadLimits {
    pub(crate) fn options(self) -> mde_artifacts::ReadOptions {
        self.options_or(mde_artifacts::ReadOptions::default().max_file)
    }

    /// [`ReadLimits::options`] with another default for `max_file` (event logs: 2 GiB).
    pub(crate) fn options_or(self, max_file: u64) -> mde_artifacts::ReadOptions {
        let defaults = mde_artifacts::ReadOptions::default();
        mde_artifacts::ReadOptions {
            max_file: self.max_file_size.unwrap_or(max_file),
            max_text: self.max_text_size.unwrap_or(defaults.max_text),
        }
    }
}

/// `4096`, `64K`, `32M`, `2G` (powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 10),
        Some((i, 'm' | 'M')) => (&t[..i], 20),
        Some((i, 'g' | 'G')) => (&t[..i], 30),
        _ => (t, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("expected a size such as 4096, 64K, 32M or 2G, found {s:?}"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// How the probes run (shared by `probe` and `collect`).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ProbeArgs {
    /// Go through this HTTP proxy (http://HOST:PORT) instead of HTTPS_PROXY or WinHTTP's.
    #[arg(long, value_name = "URL")]
    pub(crate) proxy: Option<String>,
    /// Ask this DNS server instead of the system's (a DC, say).
    #[arg(long, value_name = "IP[:PORT]")]
    pub(crate) dns: Option<String>,
    /// The AD domain whose domain controllers to look for (default: the system's DNS domain).
    #[arg(long, value_name = "DOMAIN")]
    pub(crate) domain: Option<String>,
    /// Probe this URL instead of the required endpoints (repeatable).
    #[arg(long = "endpoint", value_name = "URL")]
    pub(crate) endpoints: Vec<String>,
    /// Also trust the roots in this PEM file (a lab's CA); repeatable.
    #[arg(long = "ca", value_name = "PEM")]
    pub(crate) ca: Vec<std::path::PathBuf>,
    /// SNTP server for the clock check, or `none`.
    #[arg(long, value_name = "HOST[:PORT]", default_value = "time.windows.com")]
    pub(crate) ntp: String,
    /// Seconds each step may take (DNS, connect, TLS, HTTP, LDAP, SNTP).
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    pub(crate) step_timeout: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SyncruleCommand {
    /// Evaluate an expression for each exported object (LDIF, Export-Csv CSV, ConvertTo-Json or JSON lines).
    ///
    /// One JSON line per object: {"dn", "value", "type"} — value as a string, number,
    /// boolean, null (NULL), array (multi-valued), base64 (binary) or RFC 3339 (dates); or
    /// {"dn", "error"} when the expression fails on that object (an Error() included).
    #[command(
        after_help = "Examples:\n  mde-doctor syncrule eval --preset server2012r2-computer-join --objects computers.ldif\n  mde-doctor syncrule eval --expr 'Left(\"John Doe\", 3)'\n  mde-doctor syncrule eval --expr-file rule.txt --objects computers.ldif --explain --format table"
    )]
    Eval {
        #[command(flatten)]
        source: ExprSource,
        /// The attribute whose transformation to evaluate from --rule (e.g. cloudFiltered).
        #[arg(long, value_name = "ATTR", requires = "rule")]
        target: Option<String>,
        /// The objects: LDIF, CSV (Get-ADComputer | Export-Csv) or JSON (ConvertTo-Json, JSON lines), detected from
        /// the content; `-` reads standard input (without it: one evaluation on an empty object).
        #[arg(long, value_name = "FILE")]
        objects: Option<std::path::PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = EvalFormat::Jsonl)]
        format: EvalFormat,
        /// Show the sub-expressions that decided each result, with their values.
        #[arg(long)]
        explain: bool,
        /// A %parameter% value, e.g. --param Forest.LDAP=DC=contoso,DC=com (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
    /// Simulate Entra Connect over exported computers: OU scope, the inbound rule's scoping
    /// filter, cloudFiltered, and whether each device would reach Entra ID, and why.
    ///
    /// cloudFiltered comes from the export's own In from AD - Computer Join rule unless
    /// --preset/--expr/--expr-file replaces it; --diff shows what the replacement changes.
    #[command(
        after_help = "Examples:\n  mde-doctor syncrule simulate --config ./export --objects computers.ldif --format table\n  mde-doctor syncrule simulate --config ./export --objects computers.ldif --preset server2012r2-computer-join --diff"
    )]
    Simulate {
        /// A Get-ADSyncServerConfiguration export directory.
        #[arg(long, value_name = "DIR")]
        config: std::path::PathBuf,
        /// The computers: LDIF, CSV or JSON (ConvertTo-Json, JSON lines); `-` reads standard input.
        #[arg(long, value_name = "FILE")]
        objects: std::path::PathBuf,
        /// A replacement cloudFiltered expression (shipped).
        #[arg(long, value_name = "NAME", conflicts_with_all = ["expr", "expr_file"])]
        preset: Option<String>,
        /// A replacement cloudFiltered expression.
        #[arg(long, value_name = "TEXT", conflicts_with = "expr_file")]
        expr: Option<String>,
        /// A replacement cloudFiltered expression from a file.
        #[arg(long, value_name = "FILE")]
        expr_file: Option<std::path::PathBuf>,
        /// Compare the export's own rule with the replacement: objects whose outcome changes.
        #[arg(long)]
        diff: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = EvalFormat::Jsonl)]
        format: EvalFormat,
    },
    /// Parse an expression, or every expression of a configuration export, and report
    /// errors with their line and column.
    Check {
        /// The expression.
        #[arg(value_name = "EXPR", conflicts_with_all = ["expr_file", "preset", "config"])]
        expr: Option<String>,
        /// A Get-ADSyncServerConfiguration export directory: check every rule's expressions.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["expr_file", "preset"])]
        config: Option<std::path::PathBuf>,
        /// Read the expression from a file.
        #[arg(long, value_name = "FILE")]
        expr_file: Option<std::path::PathBuf>,
        /// A shipped expression.
        #[arg(long, value_name = "NAME")]
        preset: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub(crate) struct ExprSource {
    /// The expression text.
    #[arg(long, value_name = "TEXT")]
    pub(crate) expr: Option<String>,
    /// Read the expression from a file.
    #[arg(long, value_name = "FILE")]
    pub(crate) expr_file: Option<std::path::PathBuf>,
    /// A shipped expression: server2012r2-computer-join, default-computer-join.
    #[arg(long, value_name = "NAME")]
    pub(crate) preset: Option<String>,
    /// A sync rule XML from Get-ADSyncServerConfiguration (with --target).
    #[arg(long, value_name = "RULE.xml", requires = "target")]
    pub(crate) rule: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EvalFormat {
    Jsonl,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LevelFilter {
    Critical,
    Error,
    Warning,
    Information,
    Verbose,
}

impl LevelFilter {
    /// Event levels this filter keeps (1 critical … 5 verbose; 0 "log always" counts as
    /// information).
    pub(crate) fn keeps(self, level: u8) -> bool {
        let level = if level == 0 { 4 } else { level };
        let max = match self {
            LevelFilter::Critical => 1,
            LevelFilter::Error => 2,
            LevelFilter::Warning => 3,
            LevelFilter::Information => 4,
            LevelFilter::Verbose => 5,
        };
        level <= max
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    Text,
    Json,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FleetFormat {
    Html,
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TableFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Applies the choice to every `anstream` stream of the process (it honours NO_COLOR and
    /// non-terminals on `auto`).
    pub(crate) fn write_global(self) {
        let choice = match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}

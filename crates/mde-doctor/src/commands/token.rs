//! `mde-doctor token create|list|revoke`: the console's ingest tokens.

use clap::Subcommand;
use mde_console::Db;

use super::Status;
use super::serve::{StoreArgs, runtime};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
    /// Create an ingest token for a fleet; it is printed once and stored hashed.
    Create {
        /// The fleet the token's uploads belong to.
        #[arg(long, value_name = "NAME")]
        fleet: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List tokens (ids and fleets; never the secrets).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token by its id; uploads with it are refused from then on.
    Revoke {
        /// The token's id (the part after `mdt_`, as `list` shows it).
        #[arg(value_name = "ID")]
        id: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub(crate) fn run(cmd: TokenCommand) -> Result<Status, CliError> {
    runtime()?.block_on(async move {
        match cmd {
            TokenCommand::Create { fleet, store } => {
                let db = Db::open(&store.location())
                    .await
                    .map_err(CliError::Console)?;
                let (id, token) = db.create_token(&fleet).await.map_err(CliError::Console)?;
                eprintln!("token {id} for fleet {fleet} (shown once; store it now):");
                println!("{token}");
            }
            TokenCommand::List { store } => {
                let db = Db::open(&store.location())
                    .await
                    .map_err(CliError::Console)?;
                for t in db.tokens().await.map_err(CliError::Console)? {
                    let state = match t.revoked {
                        Some(_) => "revoked",
                        None => "active",
                    };
                    println!("{}\t{}\t{}\t{state}", t.id, t.fleet, t.created);
                }
            }
            TokenCommand::Revoke { id, store } => {
                let db = Db::open(&store.location())
                    .await
                    .map_err(CliError::Console)?;
                db.revoke_token(&id).await.map_err(CliError::Console)?;
                eprintln!("token {id} revoked");
            }
        }
        Ok(Status::Success)
    })
}

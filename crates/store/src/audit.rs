//! The append-only audit log, chained by SHA-256 (DESIGN.md, "Audited in the same
//! transaction"). [`append`] runs inside the caller's transaction: if it fails, the business
//! change rolls back with it. Each entry records the hash rule it was written with
//! (`hash_version`); verification uses it, and refuses an older rule after a newer one.
//! Signed checkpoints of the head, which prove the chain was not cut short or recomputed, are
//! in [`checkpoints`].

pub(crate) mod checkpoints;

use crate::clock::format_time;
use crate::sql::Arg;
use crate::writer::{Exec, Value};
use crate::{Result, Store, StoreError, WriteTx};
use hazardnet_domain::audit::{AuditFields, GENESIS_HASH, HashVersion};
use serde::Serialize;
use sqlx::FromRow;

/// Who performed a write: a signed-in user, or the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn system(name: &str) -> Actor {
        Actor {
            id: None,
            name: name.to_string(),
        }
    }
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub jurisdiction: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// Who acted, as people read it: the user's name and office today ("韦主任（公园街道办事处）"),
    /// or the recorded actor for the command line and removed accounts. Not part of the hash:
    /// `actor` is what was recorded.
    pub actor_label: String,
}

/// One entry as verification reads it: the hashed fields and the rule they were hashed with.
#[derive(Debug, Clone, FromRow)]
struct ChainEntry {
    seq: i64,
    at: String,
    actor_id: Option<i64>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    jurisdiction: String,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
    hash_version: i64,
}

impl ChainEntry {
    fn fields(&self) -> AuditFields<'_> {
        AuditFields {
            seq: self.seq,
            at: &self.at,
            actor_id: self.actor_id,
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            jurisdiction: &self.jurisdiction,
            before: self.before_json.as_deref(),
            after: self.after_json.as_deref(),
            prev_hash: &self.prev_hash,
        }
    }
}

const CHAIN_COLUMNS: &str = "seq, at, actor_id, actor, action, entity, entity_id, jurisdiction, \
     before_json, after_json, prev_hash, hash, hash_version";

/// Where a walk along the chain starts: the entry before the first one it reads.
#[derive(Debug, Clone)]
pub(crate) struct WalkFrom {
    /// The sequence number of the first entry to read.
    pub seq: i64,
    /// The hash that entry must name as its previous one.
    pub prev_hash: String,
    /// The hash rule of the entry before it (None before the first entry).
    pub prev_version: Option<HashVersion>,
}

impl WalkFrom {
    pub(crate) fn genesis() -> WalkFrom {
        WalkFrom {
            seq: 1,
            prev_hash: GENESIS_HASH.to_string(),
            prev_version: None,
        }
    }
}

/// Where and why `audit verify` found the chain broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditBreak {
    /// The first sequence number that no longer matches.
    pub seq: i64,
    pub reason: &'static str,
}

/// What a write changed, for the log.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub jurisdiction: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

macro_rules! insert_entry {
    () => {
        "INSERT INTO audit_log (seq, at, actor_id, actor, action, entity, entity_id, \
         jurisdiction, before_json, after_json, prev_hash, hash, hash_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    };
}
const INSERT_ENTRY: &str = insert_entry!();
const INSERT_ENTRY_THEN_RELEASE: &str =
    concat!(insert_entry!(), "; ", crate::writer::release_sql!());

/// Appends one entry inside `tx`. Reading the head row locks it (PostgreSQL; on SQLite the
/// write transaction holds the one write lock), so concurrent appenders line up and the chain
/// never forks.
pub(crate) async fn append<E: Exec>(
    tx: &mut E,
    store: &Store,
    actor: &Actor,
    change: Change<'_>,
) -> Result<i64> {
    let cached = tx.audit_head_cache().and_then(|head| head.clone());
    let (last_seq, prev_hash): (i64, String) = match cached {
        Some(head) => head,
        None => {
            let head = match store.kind() {
                crate::DbKind::Postgres => {
                    "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                }
                // The write transaction already holds SQLite's one write lock.
                crate::DbKind::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
            };
            let row = tx.rows(head, Vec::new()).await?.into_iter().next();
            match row.map(<[Value; 2]>::try_from) {
                Some(Ok([Value::Int(seq), Value::Text(hash)])) => (seq, hash),
                _ => return Err(StoreError::Internal("the audit chain has no head".into())),
            }
        }
    };
    let seq = last_seq + 1;
    let at = format_time(store.clock().now());
    let fields = AuditFields {
        seq,
        at: &at,
        actor_id: actor.id,
        actor: &actor.name,
        action: change.action,
        entity: change.entity,
        entity_id: &change.entity_id,
        jurisdiction: change.jurisdiction,
        before: change.before.as_deref(),
        after: change.after.as_deref(),
        prev_hash: &prev_hash,
    };
    let hash = fields.hash(HashVersion::CURRENT);
    let args: Vec<Arg> = vec![
        seq.into(),
        at.into(),
        actor.id.into(),
        actor.name.as_str().into(),
        change.action.into(),
        change.entity.into(),
        change.entity_id.into(),
        change.jurisdiction.into(),
        change.before.into(),
        change.after.into(),
        prev_hash.into(),
        hash.as_str().into(),
        HashVersion::CURRENT.number().into(),
    ];
    // Nothing in the transaction reads the entry back, so on SQLite's sqlx connection it is
    // written in the same call that ends the request's share of the group (one trip to the
    // connection less); on the writer's own connection it is written at once.
    tx.execute_at_release(crate::writer::AtRelease {
        sql: INSERT_ENTRY,
        sql_then_release: INSERT_ENTRY_THEN_RELEASE,
        args,
    })
    .await?;
    // The head row follows by trigger (migration 0011); the writer's copy follows here.
    if let Some(head) = tx.audit_head_cache() {
        *head = Some((seq, hash));
    }
    Ok(seq)
}

impl Store {
    /// Walks the whole chain and compares its end with the head row. Ok(n) when all n entries
    /// match; otherwise the first break. This shows the entries agree with each other; that
    /// none was cut off the end, wiped or recomputed is shown against signed checkpoints
    /// ([`Store::verify_audit`]).
    pub async fn verify_audit_chain(&self) -> Result<std::result::Result<i64, AuditBreak>> {
        let (last, last_hash) = match self.walk_audit_chain(WalkFrom::genesis(), None).await? {
            Ok(end) => end,
            Err(broken) => return Ok(Err(broken)),
        };
        // The head remembers the last sequence and hash: entries cut off the end are caught,
        // unless the head was moved back with them (a checkpoint catches that).
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&self.read)
                .await?;
        let Some((head_seq, head_hash)) = head else {
            return Ok(Err(AuditBreak {
                seq: last,
                reason: "head_missing",
            }));
        };
        if head_seq != last {
            return Ok(Err(AuditBreak {
                seq: last + 1,
                reason: "missing",
            }));
        }
        if head_hash != last_hash {
            return Ok(Err(AuditBreak {
                seq: last,
                reason: "head_mismatch",
            }));
        }
        Ok(Ok(last))
    }

    /// Walks the chain from `from` to its end, or to entry `until`: each entry must follow the
    /// last without a gap, name its hash, hash to its own under its recorded rule, and not use
    /// an older rule than the entry before it. Returns the last entry's sequence and hash
    /// (those of `from` when there is none).
    pub(crate) async fn walk_audit_chain(
        &self,
        from: WalkFrom,
        until: Option<i64>,
    ) -> Result<std::result::Result<(i64, String), AuditBreak>> {
        const PAGE: i64 = 5_000;
        let until = until.unwrap_or(i64::MAX);
        let mut expected_seq = from.seq;
        let mut prev_hash = from.prev_hash;
        let mut prev_version = from.prev_version;
        let select = format!(
            "SELECT {CHAIN_COLUMNS} FROM audit_log WHERE seq >= $1 AND seq <= $2 \
             ORDER BY seq LIMIT $3"
        );
        loop {
            let page: Vec<ChainEntry> = sqlx::query_as(sqlx::AssertSqlSafe(select.clone()))
                .bind(expected_seq)
                .bind(until)
                .bind(PAGE)
                .fetch_all(&self.read)
                .await?;
            for entry in &page {
                let broken = |reason| {
                    Ok(Err(AuditBreak {
                        seq: entry.seq,
                        reason,
                    }))
                };
                if entry.seq != expected_seq {
                    return Ok(Err(AuditBreak {
                        seq: expected_seq,
                        reason: "missing",
                    }));
                }
                if entry.prev_hash != prev_hash {
                    return broken("prev_hash_mismatch");
                }
                let Some(version) = HashVersion::from_stored(entry.hash_version) else {
                    return broken("unknown_hash_version");
                };
                if prev_version.is_some_and(|previous| !version.may_follow(previous)) {
                    return broken("hash_version_downgrade");
                }
                if entry.fields().hash(version) != entry.hash {
                    return broken("hash_mismatch");
                }
                prev_hash = entry.hash.clone();
                prev_version = Some(version);
                expected_seq += 1;
            }
            if (page.len() as i64) < PAGE {
                break;
            }
        }
        Ok(Ok((expected_seq - 1, prev_hash)))
    }

    /// The audit history of one record, oldest first.
    pub async fn audit_history(&self, entity: &str, entity_id: &str) -> Result<Vec<AuditEntry>> {
        Ok(sqlx::query_as(
            "SELECT a.seq, a.at, a.actor_id, a.actor, a.action, a.entity, a.entity_id, \
             a.jurisdiction, a.before_json, a.after_json, a.prev_hash, a.hash, \
             COALESCE(u.display_name || '（' || o.name || '）', a.actor) AS actor_label \
             FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
             LEFT JOIN organizations o ON o.id = u.org_id \
             WHERE a.entity = $1 AND a.entity_id = $2 ORDER BY a.seq",
        )
        .bind(entity.to_string())
        .bind(entity_id.to_string())
        .fetch_all(&self.read)
        .await?)
    }

    pub(crate) async fn begin_write(&self) -> Result<WriteTx> {
        self.write.begin().await
    }
}

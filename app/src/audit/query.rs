//! Reading entries back: a filter, newest first, a page at a time by entry id (keyset), with the
//! filter's count. Ids grow with every entry, so id order is the order entries were recorded and a
//! page linked by id stays the same page however many entries arrive after it.

use chrono::{Days, SecondsFormat};

use super::model::{ActionFilter, ActorKind, AuditEntry, AuditFilter, AuditPage, Cursor, Outcome};
use super::record::AuditLog;
use crate::calendar::shanghai_midnight;
use crate::store::{parse_time, StoreError};

/// The filter as bound values: UTC bounds in the stored text form, lower-cased needles.
struct Bound {
    since: Option<String>,
    until: Option<String>,
    actor: Option<String>,
    exact: Option<String>,
    prefix: Option<String>,
    outcome: Option<&'static str>,
    target: Option<String>,
}

fn stored(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Bound {
    fn of(f: &AuditFilter) -> Bound {
        let (exact, prefix) = match &f.action {
            Some(ActionFilter::Exact(a)) => (Some(a.clone()), None),
            Some(ActionFilter::Prefix(p)) => (None, Some(p.clone())),
            None => (None, None),
        };
        Bound {
            since: f.from.map(|d| stored(shanghai_midnight(d))),
            // The day after `to` begins: `to` is included whole.
            until: f.to.and_then(|d| d.checked_add_days(Days::new(1))).map(|d| stored(shanghai_midnight(d))),
            actor: f.actor.as_deref().map(str::to_ascii_lowercase),
            exact,
            prefix,
            outcome: f.outcome.map(Outcome::as_str),
            target: f.target.as_deref().map(str::to_ascii_lowercase),
        }
    }
}

struct Row {
    id: i64,
    at: String,
    actor_kind: String,
    actor_id: Option<i64>,
    actor_name: String,
    address: Option<String>,
    action: String,
    target: String,
    outcome: String,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl TryFrom<Row> for AuditEntry {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self, StoreError> {
        let bad = |what: &str, v: &str| StoreError::BadRow(format!("audit entry {}: {what} {v:?}", r.id));
        let json = |v: &Option<String>| -> Result<Option<serde_json::Value>, StoreError> {
            v.as_deref().map(|t| serde_json::from_str(t).map_err(|_| bad("before/after", t))).transpose()
        };
        Ok(AuditEntry {
            id: r.id,
            at: parse_time(&r.at)?,
            actor_kind: ActorKind::parse(&r.actor_kind).ok_or_else(|| bad("actor kind", &r.actor_kind))?,
            actor_id: r.actor_id,
            outcome: Outcome::parse(&r.outcome).ok_or_else(|| bad("outcome", &r.outcome))?,
            before: json(&r.before_json)?,
            after: json(&r.after_json)?,
            actor_name: r.actor_name,
            address: r.address,
            action: r.action,
            target: r.target,
        })
    }
}

impl AuditLog {
    /// At most `size` entries matching `filter` from `cursor` on, newest first, and where they
    /// stand among all matching entries. Both read in one transaction, so the count and the page
    /// agree even while entries are being added.
    pub async fn page(&self, filter: &AuditFilter, cursor: Cursor, size: u32) -> Result<AuditPage, StoreError> {
        let mut tx = self.store.pool.begin().await?;
        let b = Bound::of(filter);
        let entries = select(&mut tx, &b, cursor, i64::from(size)).await?;
        // Everything above the page's newest entry (or, for an empty page, above where it starts).
        let mark = entries.first().map(|e| e.id).unwrap_or(match cursor {
            Cursor::Newest => i64::MAX,
            Cursor::Before(id) => id - 1,
            Cursor::After(id) => id,
        });
        let counts = sqlx::query!(
            r#"SELECT COUNT(*) AS "total!: i64", COUNT(CASE WHEN id > ?8 THEN 1 END) AS "newer!: i64"
               FROM audit_log
               WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
                 AND (?3 IS NULL OR instr(lower(actor_name), ?3) > 0)
                 AND (?4 IS NULL OR action = ?4)
                 AND (?5 IS NULL OR substr(action, 1, length(?5)) = ?5)
                 AND (?6 IS NULL OR outcome = ?6)
                 AND (?7 IS NULL OR instr(lower(target), ?7) > 0)"#,
            b.since,
            b.until,
            b.actor,
            b.exact,
            b.prefix,
            b.outcome,
            b.target,
            mark
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AuditPage { entries, total: counts.total, newer: counts.newer })
    }

    /// Every entry matching `filter`, newest first, up to `limit` (the export).
    pub async fn all(&self, filter: &AuditFilter, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let mut conn = self.store.pool.acquire().await?;
        select(&mut conn, &Bound::of(filter), Cursor::Newest, limit).await
    }
}

/// The matching entries from `cursor`, newest first. `After` reads upwards from the id (the
/// `size` entries just newer) and is turned round.
async fn select(conn: &mut sqlx::SqliteConnection, b: &Bound, cursor: Cursor, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let (before, after) = match cursor {
        Cursor::Newest => (None, None),
        Cursor::Before(id) => (Some(id), None),
        Cursor::After(id) => (None, Some(id)),
    };
    let upwards = after.is_some();
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id AS "id!", at, actor_kind, actor_id, actor_name, address, action, target, outcome, before_json, after_json
           FROM audit_log
           WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR at < ?2)
             AND (?3 IS NULL OR instr(lower(actor_name), ?3) > 0)
             AND (?4 IS NULL OR action = ?4)
             AND (?5 IS NULL OR substr(action, 1, length(?5)) = ?5)
             AND (?6 IS NULL OR outcome = ?6)
             AND (?7 IS NULL OR instr(lower(target), ?7) > 0)
             AND (?8 IS NULL OR id < ?8) AND (?9 IS NULL OR id > ?9)
           ORDER BY CASE WHEN ?10 THEN id ELSE -id END
           LIMIT ?11"#,
        b.since,
        b.until,
        b.actor,
        b.exact,
        b.prefix,
        b.outcome,
        b.target,
        before,
        after,
        upwards,
        limit
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut entries = rows.into_iter().map(AuditEntry::try_from).collect::<Result<Vec<_>, _>>()?;
    if upwards {
        entries.reverse();
    }
    Ok(entries)
}

//! API tokens. Reads are public; writes need `Authorization: Bearer khub_<id>_<secret>`.
//!
//! The id in front lets the hub find the one row to check instead of hashing against every
//! token. Only an argon2id hash of the secret is stored, so a copy of the database gives no
//! working token; argon2's verification compares the hashes in constant time.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use entity::{api_tokens, municipalities};
use rand_core::{OsRng, RngCore};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, NotSet,
    QueryOrder, TransactionTrait,
};

use crate::domain::TokenRole;
use crate::error::{AppError, AppResult};

/// What every token starts with, so a leaked one is easy to recognise (and to scan for).
pub const PREFIX: &str = "khub_";
/// Bytes of randomness in a secret: 256 bits, base64url-encoded to 43 characters.
const SECRET_BYTES: usize = 32;
const MAX_LABEL: usize = 200;
/// The longest lifetime or grace period a token may be given.
const MAX_LIFETIME_DAYS: i64 = 100 * 366;
/// How long a rotated token keeps working unless `--grace` says otherwise: a day, for the
/// scripts that hold it to be given the new secret.
pub const DEFAULT_GRACE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Who a request acts as, once its token is verified.
#[derive(Clone, Debug)]
pub struct Principal {
    pub token_id: i32,
    pub label: String,
    pub role: TokenRole,
    /// The municipality an editor or viewer acts for; `None` for an admin.
    pub municipality: Option<String>,
}

impl Principal {
    /// Whether this token may read `municipality`'s records that are not public.
    pub fn may_read(&self, municipality: &str) -> bool {
        self.role == TokenRole::Admin || self.municipality.as_deref() == Some(municipality)
    }

    /// Refuses unless this token may change `municipality`'s records.
    pub fn check_write(&self, municipality: &str) -> AppResult<()> {
        match self.role {
            TokenRole::Admin => Ok(()),
            TokenRole::Viewer => Err(AppError::Forbidden(format!(
                "token {} ({}) is a viewer token and cannot change records",
                self.token_id, self.label
            ))),
            TokenRole::Editor if self.municipality.as_deref() == Some(municipality) => Ok(()),
            TokenRole::Editor => Err(AppError::Forbidden(format!(
                "token {} ({}) may change only municipality {}'s records, not {municipality}'s",
                self.token_id,
                self.label,
                self.municipality.as_deref().unwrap_or("-")
            ))),
        }
    }
}

/// The identity attached to a request: none (public reads) or a verified token.
#[derive(Clone, Debug, Default)]
pub enum Auth {
    #[default]
    Anonymous,
    Token(Principal),
}

impl Auth {
    /// The verified token, or `UNAUTHENTICATED` naming what is needed.
    pub fn principal(&self) -> AppResult<&Principal> {
        match self {
            Auth::Token(p) => Ok(p),
            Auth::Anonymous => Err(AppError::Unauthenticated(
                "this needs an API token: send `Authorization: Bearer <token>` (created with `kyodo-hub token create`)"
                    .to_owned(),
            )),
        }
    }
}

/// A token as just created: the row, and the only copy of its secret.
pub struct CreatedToken {
    pub token: api_tokens::Model,
    pub secret: String,
}

/// A token just rotated: the old one as it now stands (ending at `expires_at`, or revoked with
/// no grace period) and its replacement.
pub struct RotatedToken {
    pub old: api_tokens::Model,
    pub new: CreatedToken,
}

/// A time as the CLI and error messages show it: `2026-11-30T09:00:00Z`.
pub fn show_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses a duration for `--expires-in` and `--grace`: `90d`, `12h`, `30m`, `2w`, `1h30m`
/// (humantime's units: s, m, h, d, w, M for months, y), or `0`.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    match text.trim() {
        "0" => Ok(std::time::Duration::ZERO),
        t => humantime::parse_duration(t)
            .map_err(|e| format!("{e}: expected a duration such as 90d, 12h, 30m, 2w or 1h30m")),
    }
}

/// `duration` after `now`, bounded so that a typo such as `90000y` is refused rather than
/// stored.
fn after(
    flag: &str,
    now: DateTime<Utc>,
    duration: std::time::Duration,
) -> anyhow::Result<DateTime<Utc>> {
    chrono::Duration::from_std(duration)
        .ok()
        .filter(|d| d.num_days() <= MAX_LIFETIME_DAYS)
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| anyhow::anyhow!("{flag}: at most {MAX_LIFETIME_DAYS} days"))
}

/// Creates a token that works until revoked. Editors and viewers belong to one municipality in
/// the database; admins to none.
pub async fn create(
    db: &impl ConnectionTrait,
    municipality: Option<&str>,
    role: TokenRole,
    label: &str,
) -> anyhow::Result<CreatedToken> {
    create_expiring(db, municipality, role, label, None).await
}

/// Creates a token that stops working by itself `expires_in` from now (`--expires-in`).
pub async fn create_expiring_in(
    db: &impl ConnectionTrait,
    municipality: Option<&str>,
    role: TokenRole,
    label: &str,
    expires_in: std::time::Duration,
) -> anyhow::Result<CreatedToken> {
    anyhow::ensure!(
        !expires_in.is_zero(),
        "--expires-in: a token must last longer than 0"
    );
    // One `now` for the start and the end, so that a rotation sees exactly the lifetime asked.
    let now = Utc::now();
    let expires_at = after("--expires-in", now, expires_in)?;
    create_at(db, municipality, role, label, Some(expires_at), now).await
}

/// As [`create`], ending at `expires_at` when one is given; a time already past is taken as
/// it is (tests make expired tokens this way).
pub async fn create_expiring(
    db: &impl ConnectionTrait,
    municipality: Option<&str>,
    role: TokenRole,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
) -> anyhow::Result<CreatedToken> {
    create_at(db, municipality, role, label, expires_at, Utc::now()).await
}

async fn create_at(
    db: &impl ConnectionTrait,
    municipality: Option<&str>,
    role: TokenRole,
    label: &str,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> anyhow::Result<CreatedToken> {
    let label = label.trim();
    anyhow::ensure!(
        !label.is_empty(),
        "--label: a token needs a label saying who holds it"
    );
    anyhow::ensure!(
        label.chars().count() <= MAX_LABEL,
        "--label: at most {MAX_LABEL} characters"
    );
    let municipality = match (role, municipality) {
        (TokenRole::Admin, Some(_)) => {
            anyhow::bail!(
                "--municipality: an admin token acts for every municipality; leave it out"
            )
        }
        (TokenRole::Admin, None) => None,
        (_, None) => anyhow::bail!(
            "--municipality: an {} token needs the code of the municipality it acts for",
            role.as_str().to_lowercase()
        ),
        (_, Some(code)) => {
            let found = municipalities::Entity::find_by_id(code.to_owned())
                .one(db)
                .await?;
            anyhow::ensure!(
                found.is_some(),
                "--municipality: no municipality with code {code:?} in the database (import it first)"
            );
            Some(code.to_owned())
        }
    };
    insert(db, label, role, municipality, expires_at, now).await
}

/// Writes a new token row with a fresh secret.
async fn insert(
    db: &impl ConnectionTrait,
    label: &str,
    role: TokenRole,
    municipality: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> anyhow::Result<CreatedToken> {
    let mut bytes = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&secret)?;
    let token = api_tokens::ActiveModel {
        id: NotSet,
        label: Set(label.to_owned()),
        role: Set(role.as_str().to_owned()),
        municipality_code: Set(municipality),
        secret_hash: Set(hash),
        revoked_at: Set(None),
        expires_at: Set(expires_at),
        replaced_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let secret = format!("{PREFIX}{}_{secret}", token.id);
    Ok(CreatedToken { token, secret })
}

/// Replaces token `id` by a new one with the same role, municipality and label, in one
/// transaction. The old one keeps working for `grace` (never past its own expiry), so the
/// scripts that hold it can be given the new secret; with a grace of 0 it is revoked at once.
/// The new one lasts `expires_in`, or as long as the old one was made to last, or until
/// revoked.
pub async fn rotate(
    db: &DatabaseConnection,
    id: i32,
    grace: std::time::Duration,
    expires_in: Option<std::time::Duration>,
) -> anyhow::Result<RotatedToken> {
    rotate_at(db, id, grace, expires_in, Utc::now()).await
}

/// As [`rotate`], as if it were `now`: a test rotates in the past to see a grace period end
/// without waiting for it.
pub async fn rotate_at(
    db: &DatabaseConnection,
    id: i32,
    grace: std::time::Duration,
    expires_in: Option<std::time::Duration>,
    now: DateTime<Utc>,
) -> anyhow::Result<RotatedToken> {
    let txn = db.begin().await?;
    let Some(old) = api_tokens::Entity::find_by_id(id).one(&txn).await? else {
        anyhow::bail!("no token with id {id}");
    };
    if let Some(at) = old.revoked_at {
        anyhow::bail!(
            "token {id} was revoked at {}; a revoked token is not rotated: create a new one with `kyodo-hub token create`",
            show_time(at)
        );
    }
    if let Some(new) = old.replaced_by {
        anyhow::bail!("token {id} was already rotated to token {new}; rotate that one");
    }
    let role: TokenRole = old
        .role
        .parse()
        .map_err(|e| anyhow::anyhow!("token {id} has an unknown role: {e}"))?;
    let expires_at = match (expires_in, old.expires_at) {
        (Some(d), _) if d.is_zero() => {
            anyhow::bail!("--expires-in: a token must last longer than 0")
        }
        (Some(d), _) => Some(after("--expires-in", now, d)?),
        // The new token lasts as long as the old one was made to.
        (None, Some(end)) => now.checked_add_signed(end - old.created_at),
        (None, None) => None,
    };
    let grace_end = after("--grace", now, grace)?;
    let new = insert(
        &txn,
        &old.label,
        role,
        old.municipality_code.clone(),
        expires_at,
        now,
    )
    .await?;
    let old_end = old.expires_at;
    let mut active: api_tokens::ActiveModel = old.into();
    active.replaced_by = Set(Some(new.token.id));
    active.updated_at = Set(now);
    if grace.is_zero() {
        active.revoked_at = Set(Some(now));
    } else {
        active.expires_at = Set(Some(old_end.map_or(grace_end, |end| end.min(grace_end))));
    }
    let old = active.update(&txn).await?;
    txn.commit().await?;
    Ok(RotatedToken { old, new })
}

/// How a token stands at `now`, as `token list` shows it: `active`, `active until …`,
/// `expired …` or `revoked …`, and the token that replaced it.
pub fn status(token: &api_tokens::Model, now: DateTime<Utc>) -> String {
    let state = match (token.revoked_at, token.expires_at) {
        (Some(at), _) => format!("revoked {}", show_time(at)),
        (None, Some(at)) if at <= now => format!("expired {}", show_time(at)),
        (None, Some(at)) => format!("active until {}", show_time(at)),
        (None, None) => "active".to_owned(),
    };
    match token.replaced_by {
        Some(new) => format!("{state} (rotated to {new})"),
        None => state,
    }
}

fn hash_secret(secret: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the token: {e}"))
}

/// Revokes a token; it stops working at once. Revoking twice is not an error.
pub async fn revoke(db: &impl ConnectionTrait, id: i32) -> anyhow::Result<api_tokens::Model> {
    let Some(token) = api_tokens::Entity::find_by_id(id).one(db).await? else {
        anyhow::bail!("no token with id {id}");
    };
    if token.revoked_at.is_some() {
        return Ok(token);
    }
    let mut active: api_tokens::ActiveModel = token.into();
    let now = Utc::now();
    active.revoked_at = Set(Some(now));
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}

/// Every token, oldest first (without secrets, which are not stored).
pub async fn list(db: &impl ConnectionTrait) -> anyhow::Result<Vec<api_tokens::Model>> {
    Ok(api_tokens::Entity::find()
        .order_by_asc(api_tokens::Column::Id)
        .all(db)
        .await?)
}

/// Secrets already verified by argon2 in this process, by SHA-256 digest. argon2 is slow on
/// purpose (tens of milliseconds of CPU), which guards stored hashes, not requests: a city
/// script sending hundreds of writes should not pay it each time. A 256-bit random secret's
/// SHA-256 reveals nothing, and the token row (its revocation) is still read on every request.
#[derive(Default)]
pub struct VerifiedTokens(std::sync::Mutex<std::collections::HashMap<[u8; 32], i32>>);

impl VerifiedTokens {
    /// Enough for every token a hub will issue; past it the cache starts again empty.
    const CAPACITY: usize = 10_000;

    fn digest(token: &str) -> [u8; 32] {
        use sha2::Digest as _;
        sha2::Sha256::digest(token.as_bytes()).into()
    }

    fn contains(&self, digest: &[u8; 32], id: i32) -> bool {
        self.0
            .lock()
            .map(|m| m.get(digest) == Some(&id))
            .unwrap_or(false)
    }

    fn insert(&self, digest: [u8; 32], id: i32) {
        if let Ok(mut m) = self.0.lock() {
            if m.len() >= Self::CAPACITY {
                m.clear();
            }
            m.insert(digest, id);
        }
    }
}

/// Checks an `Authorization` header value and returns whom it identifies.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    verified_tokens: &VerifiedTokens,
    header: &str,
) -> AppResult<Principal> {
    let malformed = || {
        AppError::Unauthenticated(
            "malformed Authorization header: expected `Bearer khub_<id>_<secret>`".to_owned(),
        )
    };
    let (scheme, token) = header.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(malformed());
    }
    let (id, secret) = token
        .trim()
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
        .ok_or_else(malformed)?;
    let id: i32 = id.parse().map_err(|_| malformed())?;
    if secret.len() != 43 || URL_SAFE_NO_PAD.decode(secret).is_err() {
        return Err(malformed());
    }
    let invalid = || AppError::Unauthenticated(format!("token {id} is not valid"));
    let row = api_tokens::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    let digest = VerifiedTokens::digest(token.trim());
    // argon2 takes tens of milliseconds of CPU by design; keep it off the async workers.
    let hash = row.secret_hash.clone();
    let secret = secret.to_owned();
    let verified = verified_tokens.contains(&digest, id)
        || tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(secret.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .map_err(|e| AppError::internal(anyhow::anyhow!("token check failed: {e}")))?;
    if !verified {
        return Err(invalid());
    }
    verified_tokens.insert(digest, id);
    // The row is read on every request, so a revocation, expiry or rotation applies at once
    // even to a token whose secret is in `verified_tokens`.
    if let Some(at) = row.revoked_at {
        let replaced = row
            .replaced_by
            .map(|new| format!(" (rotated: token {new} replaces it)"))
            .unwrap_or_default();
        return Err(AppError::Unauthenticated(format!(
            "token {id} was revoked at {}{replaced}",
            at.to_rfc3339()
        )));
    }
    if let Some(at) = row.expires_at
        && at <= Utc::now()
    {
        return Err(AppError::Unauthenticated(match row.replaced_by {
            Some(new) => format!(
                "token {id} expired at {}: it was rotated, and token {new} replaces it",
                show_time(at)
            ),
            None => format!(
                "token {id} expired at {}; ask for a new one (`kyodo-hub token rotate {id}` or `token create`)",
                show_time(at)
            ),
        }));
    }
    let role = row
        .role
        .parse::<TokenRole>()
        .map_err(|e| AppError::internal(anyhow::anyhow!("token {id} has an unknown role: {e}")))?;
    Ok(Principal {
        token_id: row.id,
        label: row.label,
        role,
        municipality: row.municipality_code,
    })
}

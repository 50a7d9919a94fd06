//! API tokens. Reads are public; writes need `Authorization: Bearer khub_<id>_<secret>`.
//!
//! The id in front lets the hub find the one row to check instead of hashing against every
//! token. Only an argon2id hash of the secret is stored, so a copy of the database gives no
//! working token; argon2's verification compares the hashes in constant time.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use entity::{api_tokens, municipalities};
use rand_core::{OsRng, RngCore};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, NotSet, QueryOrder,
};

use crate::domain::TokenRole;
use crate::error::{AppError, AppResult};

/// What every token starts with, so a leaked one is easy to recognise (and to scan for).
pub const PREFIX: &str = "khub_";
/// Bytes of randomness in a secret: 256 bits, base64url-encoded to 43 characters.
const SECRET_BYTES: usize = 32;
const MAX_LABEL: usize = 200;

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

/// Creates a token. Editors and viewers belong to one municipality in the database; admins to
/// none.
pub async fn create(
    db: &impl ConnectionTrait,
    municipality: Option<&str>,
    role: TokenRole,
    label: &str,
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
    let mut bytes = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_secret(&secret)?;
    let now = Utc::now();
    let token = api_tokens::ActiveModel {
        id: NotSet,
        label: Set(label.to_owned()),
        role: Set(role.as_str().to_owned()),
        municipality_code: Set(municipality),
        secret_hash: Set(hash),
        revoked_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    let secret = format!("{PREFIX}{}_{secret}", token.id);
    Ok(CreatedToken { token, secret })
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
    if let Some(at) = row.revoked_at {
        return Err(AppError::Unauthenticated(format!(
            "token {id} was revoked at {}",
            at.to_rfc3339()
        )));
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

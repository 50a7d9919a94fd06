//! The chart as a PNG for slide software that does not take SVG: the very SVG of
//! `/charts/compare.svg`, rasterised by resvg with the font shipped in `assets/fonts/` and no
//! other, so the picture is the same on every machine, CJK fonts installed or not.
//!
//! Rendering costs tens of milliseconds of CPU per chart (far more in a debug build); at most
//! [`MAX_RENDERS`] run at once on the blocking pool, and a request that cannot get a turn
//! within [`QUEUE_WAIT`] is answered 503 with `Retry-After` instead of piling up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use resvg::{tiny_skia, usvg};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// IPAexゴシック (IPAexGothic 004.01, IPA Font License v1.0, `assets/fonts/`): every kanji of
/// JIS X 0208 and the kana, Latin letters, digits and punctuation the chart prints.
pub const FONT: &[u8] = include_bytes!("../../../assets/fonts/ipaexg.ttf");

/// The shipped font's family name, which the SVG names first.
pub const FONT_FAMILY: &str = "IPAexGothic";

/// Charts rasterised at the same time, at most.
pub const MAX_RENDERS: usize = 2;

/// How long a request waits for a turn before it is told to come back.
const QUEUE_WAIT: Duration = Duration::from_secs(10);

static TURNS: Semaphore = Semaphore::const_new(MAX_RENDERS);
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// The most renders this process has run at once, for tests and diagnostics.
pub fn peak_renders() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Only the shipped font: no system fonts are looked up, so no machine renders differently.
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(FONT)));
    db.set_sans_serif_family(FONT_FAMILY);
    Arc::new(db)
});

/// Rasterises `svg` (1280×720 from [`super::chart`]) to a PNG, waiting for a turn.
pub async fn render(svg: String) -> Result<Vec<u8>, AppError> {
    let turn = tokio::time::timeout(QUEUE_WAIT, TURNS.acquire())
        .await
        .map_err(|_| {
            AppError::Busy(format!(
                "{MAX_RENDERS} charts are being drawn already; retry shortly"
            ))
        })?
        .map_err(|e| AppError::internal(e.into()))?;
    let done = tokio::task::spawn_blocking(move || {
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        let png = rasterise(&svg);
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        png
    })
    .await;
    drop(turn);
    done.map_err(|e| AppError::internal(e.into()))?
}

fn rasterise(svg: &str) -> Result<Vec<u8>, AppError> {
    let internal = |what: &str, e: String| AppError::internal(anyhow::anyhow!("png: {what}: {e}"));
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: FONTS.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| internal("svg", e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| internal("size", format!("{}×{}", size.width(), size.height())))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| internal("encode", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_font_is_found_by_its_family_name() {
        let found = FONTS.query(&usvg::fontdb::Query {
            families: &[usvg::fontdb::Family::Name(FONT_FAMILY)],
            ..Default::default()
        });
        assert!(
            found.is_some(),
            "{FONT_FAMILY} is not the shipped font's family"
        );
        assert_eq!(FONTS.len(), 1, "only the shipped font");
    }
}

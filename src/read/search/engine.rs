//! 検索索引: the search documents as an in-memory inverted index (tantivy), so that a query
//! counts its matches from posting lists and scores only to keep the best page, where the
//! database had to find, score and sort every match of a common word across the country.
//!
//! Japanese has no spaces between words, so the text is cut into every pair of adjacent
//! characters (bigrams), each at its character position, and a query of three characters or
//! more is the phrase of its bigrams at consecutive positions: exactly the documents that hold
//! the query as a substring, so `totalCount` stays exact. Two characters are one bigram; one
//! character is a term of a second field that holds single characters. Text is folded first
//! ([`super::normal`]), the same way for documents and queries.
//!
//! The index lives in each hub process and follows the database: every rewrite of a city's
//! documents raises that city's row in `search_revisions` and `data_generation` in the same
//! transaction. A process compares the revisions it holds with the database's when the
//! generation moves (after its own writes at once, otherwise within the poll interval, and in
//! any case before it answers a search from a generation older than the one its page's rows
//! come from) and reloads only the cities that changed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentReader, TantivyDocument,
    Term,
};

use super::normal;
use super::query::KINDS;
use crate::error::{AppError, AppResult, RETRY_AFTER_UNAVAILABLE};
use entity::search_documents;

/// How many times a match in a title counts against one in the text.
const TITLE_BOOST: Score = 3.0;
/// Rows read per statement when loading documents.
const LOAD_BATCH: u64 = 20_000;
/// The indexing arena per thread; tantivy's minimum is 15 MB.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

fn engine_error(e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("search index: {e}"))
}

/// Cuts folded text into runs of `size` characters, each at the position of its first
/// character: bigrams for phrase matching, single characters for one-character queries.
#[derive(Clone)]
struct Grams {
    size: usize,
}

struct GramStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for GramStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next.saturating_sub(1)]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next.saturating_sub(1)]
    }
}

impl Tokenizer for Grams {
    type TokenStream<'a> = GramStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramStream {
        let chars = normal::fold(text).chars;
        let tokens = chars
            .windows(self.size)
            .enumerate()
            .map(|(position, gram)| Token {
                offset_from: 0,
                offset_to: 0,
                position,
                text: gram.iter().collect(),
                position_length: 1,
            })
            .collect();
        GramStream { tokens, next: 0 }
    }
}

const BIGRAMS: &str = "kyodo_bigram";
const UNIGRAMS: &str = "kyodo_unigram";

#[derive(Clone, Copy)]
struct Fields {
    /// `search_documents.id`, to read the page's rows by.
    id: Field,
    /// The order among equal scores: kind (in [`KINDS`] order), city code, record id.
    order: Field,
    municipality: Field,
    title2: Field,
    body2: Field,
    title1: Field,
    body1: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let grams = |tokenizer: &str, record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record),
        )
    };
    let bigrams = grams(BIGRAMS, IndexRecordOption::WithFreqsAndPositions);
    let unigrams = grams(UNIGRAMS, IndexRecordOption::WithFreqs);
    let fields = Fields {
        id: b.add_u64_field("id", FAST),
        order: b.add_u64_field("order", FAST),
        municipality: b.add_text_field("municipality", STRING),
        title2: b.add_text_field("title2", bigrams.clone()),
        body2: b.add_text_field("body2", bigrams),
        title1: b.add_text_field("title1", unigrams.clone()),
        body1: b.add_text_field("body1", unigrams),
    };
    (b.build(), fields)
}

/// The position of a document among those of equal score, as one number: kind, then city
/// code, then record id, as the previous SQL ranking ordered them.
fn order_key(kind: &str, municipality: &str, record_id: i32) -> u64 {
    let kind = KINDS.iter().position(|k| *k == kind).unwrap_or(KINDS.len()) as u64;
    let city = municipality.parse::<u64>().unwrap_or(0) & 0xF_FFFF;
    (kind << 52) | (city << 32) | u64::from(record_id as u32)
}

/// A hit's place in the ranking: higher score first, then the lower order key.
#[derive(Clone, Debug, PartialEq, PartialOrd)]
struct Rank {
    score: Score,
    /// `u64::MAX - order`, so that larger is earlier as with the score.
    earlier: u64,
    id: u64,
}

/// A document of the page: its row id and score.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub id: i64,
    pub score: f64,
}

/// Matches of a query: how many in all, and the page asked for, best first.
pub struct Matches {
    pub total: usize,
    pub page: Vec<Found>,
}

struct Writer {
    /// Lent to a blocking thread while a refresh changes the index; `None` only if that
    /// thread panicked.
    writer: Option<IndexWriter>,
    /// The revision of each city whose documents the index holds.
    held: HashMap<String, i64>,
}

/// The in-memory index of every search document.
pub struct SearchIndex {
    fields: Fields,
    reader: IndexReader,
    /// One refresh at a time changes the index.
    writer: tokio::sync::Mutex<Writer>,
    /// The data generation the index is at least as new as.
    generation: AtomicU64,
    /// Built: until then a search is answered `UNAVAILABLE`.
    ready: AtomicBool,
}

async fn read_revisions(db: &impl ConnectionTrait) -> AppResult<HashMap<String, i64>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT municipality_code, CAST(generation AS BIGINT) AS generation FROM search_revisions",
        ))
        .await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        out.insert(
            r.try_get("", "municipality_code")?,
            r.try_get("", "generation")?,
        );
    }
    Ok(out)
}

fn add(f: Fields, writer: &IndexWriter, row: &search_documents::Model) -> AppResult<()> {
    let mut doc = TantivyDocument::default();
    doc.add_u64(f.id, u64::try_from(row.id).unwrap_or(0));
    doc.add_u64(
        f.order,
        order_key(&row.kind, &row.municipality_code, row.record_id),
    );
    doc.add_text(f.municipality, &row.municipality_code);
    doc.add_text(f.title2, &row.title);
    doc.add_text(f.body2, &row.body);
    doc.add_text(f.title1, &row.title);
    doc.add_text(f.body1, &row.body);
    writer.add_document(doc).map_err(engine_error)?;
    Ok(())
}

/// Runs `work` with the index writer on a blocking thread, since indexing and committing are
/// CPU work and the async threads keep serving meanwhile, and puts the writer back whether
/// `work` succeeds or not, so that a failed build or refresh can be tried again.
async fn with_writer(
    slot: &mut Option<IndexWriter>,
    work: impl FnOnce(&mut IndexWriter) -> AppResult<()> + Send + 'static,
) -> AppResult<()> {
    let Some(mut writer) = slot.take() else {
        return Err(engine_error("the index writer was lost"));
    };
    let (writer, done) = tokio::task::spawn_blocking(move || {
        let done = work(&mut writer);
        (writer, done)
    })
    .await
    .map_err(engine_error)?;
    *slot = Some(writer);
    done
}

impl SearchIndex {
    /// Builds the index from every search document in the database before returning it.
    pub async fn open(db: &DatabaseConnection) -> AppResult<Arc<SearchIndex>> {
        let search = Arc::new(SearchIndex::empty()?);
        search.build(db).await?;
        Ok(search)
    }

    /// Returns at once an index that answers searches with `UNAVAILABLE` until a task has
    /// built it from the database: at 1,741 cities the build takes half a minute, and every
    /// other question can be answered meanwhile. A failed build is tried again every second.
    pub fn start(db: DatabaseConnection) -> AppResult<Arc<SearchIndex>> {
        let search = Arc::new(SearchIndex::empty()?);
        let building = Arc::downgrade(&search);
        tokio::spawn(async move {
            // Weak: a server that ends while the index builds does not wait for it.
            while let Some(search) = building.upgrade() {
                match search.build(&db).await {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!(error = ?e, "cannot build the search index; trying again");
                    }
                }
                drop(search);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        });
        Ok(search)
    }

    /// An index holding nothing, not ready: [`SearchIndex::build`] fills it.
    pub fn empty() -> AppResult<SearchIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(BIGRAMS, Grams { size: 2 });
        index.tokenizers().register(UNIGRAMS, Grams { size: 1 });
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 4);
        let writer: IndexWriter = index
            .writer_with_num_threads(threads, WRITER_MEMORY * threads)
            .map_err(engine_error)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(engine_error)?;
        Ok(SearchIndex {
            fields,
            reader,
            writer: tokio::sync::Mutex::new(Writer {
                writer: Some(writer),
                held: HashMap::new(),
            }),
            generation: AtomicU64::new(0),
            ready: AtomicBool::new(false),
        })
    }

    /// Whether the index has been built and answers searches.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Loads every search document of the database into an index made by
    /// [`SearchIndex::empty`] and marks it ready. Refreshes wait for it (they take the same
    /// lock); the indexing runs on blocking threads, so requests keep being served.
    pub async fn build(&self, db: &DatabaseConnection) -> AppResult<()> {
        let started = Instant::now();
        let mut w = self.writer.lock().await;
        if self.is_ready() {
            return Ok(());
        }
        // Generation and revisions before the documents: a change that lands in between is
        // loaded now and again at the next refresh, never missed.
        let generation = crate::db::read_generation(db).await?;
        let held = read_revisions(db).await?;
        // A build tried again after a failure starts from nothing.
        with_writer(&mut w.writer, |writer| {
            writer.delete_all_documents().map_err(engine_error)?;
            Ok(())
        })
        .await?;
        let fields = self.fields;
        let mut documents = 0;
        let mut after = 0;
        loop {
            let rows = search_documents::Entity::find()
                .filter(search_documents::Column::Id.gt(after))
                .order_by_asc(search_documents::Column::Id)
                .limit(LOAD_BATCH)
                .all(db)
                .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            documents += rows.len();
            with_writer(&mut w.writer, move |writer| {
                rows.iter().try_for_each(|row| add(fields, writer, row))
            })
            .await?;
        }
        let reader = self.reader.clone();
        with_writer(&mut w.writer, move |writer| {
            writer.commit().map_err(engine_error)?;
            reader.reload().map_err(engine_error)
        })
        .await?;
        w.held = held;
        self.generation.fetch_max(generation, Ordering::AcqRel);
        self.ready.store(true, Ordering::Release);
        tracing::info!(
            documents,
            seconds = started.elapsed().as_secs_f64(),
            "built the search index"
        );
        Ok(())
    }

    /// How many documents the index holds, and the bytes it takes (postings, positions,
    /// fast fields and norms, deleted documents not yet merged away included).
    pub fn size(&self) -> (u64, u64) {
        let searcher = self.reader.searcher();
        let bytes = searcher.space_usage().map_or(0, |u| u.total().get_bytes());
        (searcher.num_docs(), bytes)
    }

    /// The data generation the index is at least as new as.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Brings the index up to the database unless it is already at `generation` or newer:
    /// reloads every city whose revision differs from the one the index holds.
    pub async fn refresh(&self, db: &DatabaseConnection, generation: u64) -> AppResult<()> {
        // Before the build there is nothing to bring up to date: the build reads everything.
        // Checked before the lock, which the build holds, so that no caller (the generation
        // watch, a write's catch-up) waits out the build for nothing.
        if !self.is_ready() {
            return Ok(());
        }
        let mut w = self.writer.lock().await;
        if self.generation() >= generation {
            return Ok(());
        }
        let now = crate::db::read_generation(db).await?;
        let revisions = read_revisions(db).await?;
        let changed: Vec<String> = revisions
            .iter()
            .filter(|(code, rev)| w.held.get(*code) != Some(rev))
            .map(|(code, _)| code.clone())
            .collect();
        if !changed.is_empty() {
            let mut rows = Vec::new();
            for codes in changed.chunks(500) {
                rows.extend(
                    search_documents::Entity::find()
                        .filter(search_documents::Column::MunicipalityCode.is_in(codes.to_vec()))
                        .all(db)
                        .await?,
                );
            }
            let (fields, reader, codes) = (self.fields, self.reader.clone(), changed.clone());
            with_writer(&mut w.writer, move |writer| {
                for code in &codes {
                    writer.delete_term(Term::from_field_text(fields.municipality, code));
                }
                for row in &rows {
                    add(fields, writer, row)?;
                }
                writer.commit().map_err(engine_error)?;
                reader.reload().map_err(engine_error)
            })
            .await?;
            for code in changed {
                if let Some(rev) = revisions.get(&code) {
                    w.held.insert(code, *rev);
                }
            }
        }
        self.generation.fetch_max(now, Ordering::AcqRel);
        Ok(())
    }

    /// Refreshes if the database's generation moved past the index's: after a write. Reading
    /// the generation is not counted as a statement of the request (see
    /// [`crate::db::GENERATION_QUERY`]).
    pub async fn catch_up(&self, db: &DatabaseConnection) -> AppResult<()> {
        self.catch_up_to(db, crate::db::read_generation(db).await?)
            .await
    }

    /// Refreshes if `generation`, read from the database, is past the index's: on each tick of
    /// the process's generation watch, which reads it once for the response cache and the index.
    pub async fn catch_up_to(&self, db: &DatabaseConnection, generation: u64) -> AppResult<()> {
        if generation > self.generation() {
            self.refresh(db, generation).await?;
        }
        Ok(())
    }

    /// The query over the text fields: `folded` is a folded query of at least one character.
    fn text_query(&self, folded: &[char]) -> Box<dyn Query> {
        let f = self.fields;
        let field_query = |field: Field| -> Box<dyn Query> {
            let grams: Vec<(usize, Term)> = if folded.len() == 1 {
                vec![(0, Term::from_field_text(field, &folded[0].to_string()))]
            } else {
                folded
                    .windows(2)
                    .enumerate()
                    .map(|(i, g)| {
                        (
                            i,
                            Term::from_field_text(field, &g.iter().collect::<String>()),
                        )
                    })
                    .collect()
            };
            match <[(usize, Term); 1]>::try_from(grams) {
                Ok([(_, term)]) => Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                Err(grams) => Box::new(PhraseQuery::new_with_offset(grams)),
            }
        };
        let (title, body) = if folded.len() == 1 {
            (f.title1, f.body1)
        } else {
            (f.title2, f.body2)
        };
        Box::new(BooleanQuery::new(vec![
            (
                Occur::Should,
                Box::new(BoostQuery::new(field_query(title), TITLE_BOOST)),
            ),
            (Occur::Should, field_query(body)),
        ]))
    }

    /// The documents containing `folded` (already folded, not empty), of these cities when
    /// given: how many there are, and `limit` of them from `offset`, best first.
    pub fn find(
        &self,
        folded: &str,
        municipalities: Option<&[String]>,
        offset: usize,
        limit: usize,
    ) -> AppResult<Matches> {
        if !self.is_ready() {
            return Err(AppError::Busy(format!(
                "search is not ready yet: the search index is being built after the hub started; retry in {RETRY_AFTER_UNAVAILABLE} s"
            )));
        }
        let chars: Vec<char> = folded.chars().collect();
        if chars.is_empty() {
            return Ok(Matches {
                total: 0,
                page: Vec::new(),
            });
        }
        let mut query = self.text_query(&chars);
        if let Some(codes) = municipalities {
            let cities: Vec<(Occur, Box<dyn Query>)> = codes
                .iter()
                .map(|c| {
                    let term = Term::from_field_text(self.fields.municipality, c);
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect();
            query = Box::new(BooleanQuery::new(vec![
                (Occur::Must, query),
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(
                        Box::new(BooleanQuery::new(cities)),
                        0.0,
                    )),
                ),
            ]));
        }
        let searcher = self.reader.searcher();
        // A page beyond every document holds nothing: count only, rather than keep a heap
        // as deep as whatever offset a cursor names.
        let beyond = u64::try_from(offset).unwrap_or(u64::MAX) >= searcher.num_docs();
        if beyond || limit == 0 {
            let total = searcher.search(&*query, &Count).map_err(engine_error)?;
            return Ok(Matches {
                total,
                page: Vec::new(),
            });
        }
        let (id_field, order_field) = ("id", "order");
        let top = TopDocs::with_limit(limit).and_offset(offset).tweak_score(
            move |segment: &SegmentReader| {
                let fast = segment.fast_fields();
                let ids = fast.u64(id_field).ok().map(|c| c.first_or_default_col(0));
                let orders = fast
                    .u64(order_field)
                    .ok()
                    .map(|c| c.first_or_default_col(u64::MAX));
                move |doc: DocId, score: Score| Rank {
                    score,
                    earlier: u64::MAX - orders.as_ref().map_or(u64::MAX, |c| c.get_val(doc)),
                    id: ids.as_ref().map_or(0, |c| c.get_val(doc)),
                }
            },
        );
        let (total, page) = searcher
            .search(&*query, &(Count, top))
            .map_err(engine_error)?;
        Ok(Matches {
            total,
            page: page
                .into_iter()
                .map(|(rank, _)| Found {
                    id: i64::try_from(rank.id).unwrap_or(0),
                    score: f64::from(rank.score),
                })
                .collect(),
        })
    }
}

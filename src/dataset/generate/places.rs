//! Municipalities, their codes and regions.

use super::GenerateOptions;
use super::MAX_MUNICIPALITIES;
use super::rng::{Rng, STREAM_AREAS, STREAM_PLACES};
use super::yaml::{Flow, Yaml};
use crate::domain::RegionKind;
use crate::domain::codes::{self, PREFECTURES, Prefecture};

/// The real cities of `data/`: the synthetic set must be importable next to them.
pub(super) const REAL_CODES: [&str; 5] = ["352012", "352039", "352063", "332020", "272035"];

/// Municipalities per prefecture in JIS order (1,718 市町村 and Tokyo's 23 wards); the
/// synthetic set is spread in the same proportions.
pub(super) const REAL_COUNTS: [usize; 47] = [
    179, 40, 33, 35, 25, 35, 59, 44, 25, 35, 63, 54, 62, 33, 30, 15, 19, 17, 27, 77, 42, 35, 54,
    29, 19, 26, 43, 41, 39, 30, 19, 19, 27, 23, 19, 24, 17, 20, 34, 60, 20, 21, 45, 18, 26, 43, 41,
];

const MIN_POPULATION: f64 = 1_000.0;
const MAX_POPULATION: f64 = 3_700_000.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PlaceKind {
    City,
    Town,
    Village,
}

impl PlaceKind {
    pub(super) fn suffix(self) -> &'static str {
        match self {
            PlaceKind::City => "市",
            PlaceKind::Town => "町",
            PlaceKind::Village => "村",
        }
    }
    fn kana(self) -> &'static str {
        match self {
            PlaceKind::City => "し",
            PlaceKind::Town => "ちょう",
            PlaceKind::Village => "そん",
        }
    }
    pub(super) fn name_en(self) -> &'static str {
        match self {
            PlaceKind::City => "City",
            PlaceKind::Town => "Town",
            PlaceKind::Village => "Village",
        }
    }
    pub(super) fn office(self) -> &'static str {
        match self {
            PlaceKind::City => "市役所",
            PlaceKind::Town => "町役場",
            PlaceKind::Village => "村役場",
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Place {
    /// 1-based, in code order: the number in the slug and the names
    pub(super) number: usize,
    pub(super) code: String,
    pub(super) prefecture: &'static Prefecture,
    pub(super) kind: PlaceKind,
    pub(super) population: u32,
    /// index of its liaison area
    pub(super) area: Option<usize>,
}

impl Place {
    pub(super) fn slug(&self) -> String {
        format!("synth-{:04}", self.number)
    }
    pub(super) fn name_ja(&self) -> String {
        format!("合成{}{:04}", self.kind.suffix(), self.number)
    }
    pub(super) fn name_en(&self) -> String {
        format!("Synth {} {:04}", self.kind.name_en(), self.number)
    }
    pub(super) fn name_kana(&self) -> String {
        format!("ごうせい{}{:04}", self.kind.kana(), self.number)
    }
}

/// A 地区 of a prefecture whose municipalities hold a liaison meeting.
pub(super) struct Area {
    /// 1-based over the whole set: the number in the slug
    pub(super) number: usize,
    /// 1-based within the prefecture: the number in the name
    ordinal: usize,
    pub(super) prefecture: &'static Prefecture,
    /// indices into the places, in code order
    pub(super) members: Vec<usize>,
}

impl Area {
    pub(super) fn name_ja(&self) -> String {
        format!("{}第{}地区", self.prefecture.name_ja, self.ordinal)
    }
}

/// Municipalities per prefecture for a set of `n`, in proportion to the real counts (largest
/// remainders), so that a small set still spreads over the country.
pub(super) fn apportion(n: usize) -> [usize; 47] {
    let mut quotas = [0usize; 47];
    let mut remainders = Vec::with_capacity(47);
    for (i, count) in REAL_COUNTS.iter().enumerate() {
        let share = n * count;
        quotas[i] = share / MAX_MUNICIPALITIES;
        remainders.push((share % MAX_MUNICIPALITIES, i));
    }
    let left = n - quotas.iter().sum::<usize>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take(left) {
        quotas[i] += 1;
    }
    quotas
}

pub(super) fn places(n: usize, seed: u64) -> Vec<Place> {
    let mut rng = Rng::stream(seed, STREAM_PLACES);
    let mut out = Vec::with_capacity(n);
    for (prefecture, quota) in PREFECTURES.iter().zip(apportion(n)) {
        let span = MAX_POPULATION.ln() - MIN_POPULATION.ln();
        let mut populations: Vec<u32> = (0..quota)
            .map(|_| (MIN_POPULATION.ln() + span * rng.unit()).exp().round() as u32)
            .collect();
        // The largest places get the 2xx codes of cities, as in the real numbering.
        populations.sort_unstable_by(|a, b| b.cmp(a));
        let mut next_city = 201;
        let mut next_town = 301;
        for population in populations {
            let kind = if population >= 50_000 && next_city < 300 {
                PlaceKind::City
            } else if population < 8_000 && rng.chance(0.5) {
                PlaceKind::Village
            } else {
                PlaceKind::Town
            };
            let counter = if kind == PlaceKind::City {
                &mut next_city
            } else {
                &mut next_town
            };
            let code = loop {
                let code = codes::with_check_digit(&format!("{}{:03}", prefecture.code, *counter))
                    .expect("two prefecture digits and three counter digits");
                *counter += 1;
                if !REAL_CODES.contains(&code.as_str()) {
                    break code;
                }
            };
            out.push(Place {
                number: 0,
                code,
                prefecture,
                kind,
                population,
                area: None,
            });
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    for (i, place) in out.iter_mut().enumerate() {
        place.number = i + 1;
    }
    out
}

/// Splits each prefecture's municipalities into liaison areas of 4–8 members; a prefecture
/// with fewer than four in the set has none.
pub(super) fn liaison_areas(places: &mut [Place], seed: u64) -> Vec<Area> {
    let mut rng = Rng::stream(seed, STREAM_AREAS);
    let mut areas = Vec::new();
    let mut start = 0;
    while start < places.len() {
        let prefecture = places[start].prefecture;
        let end = start
            + places[start..]
                .iter()
                .take_while(|p| p.prefecture.code == prefecture.code)
                .count();
        let mut members: Vec<usize> = (start..end).collect();
        rng.shuffle(&mut members);
        let mut rest = &members[..];
        let mut ordinal = 0;
        while rest.len() >= 4 {
            let r = rest.len();
            let k = rng.between(4, 8) as usize;
            // Never leave one to three behind: they could not form an area of their own.
            let k = if k >= r || (r - k < 4 && r <= 8) {
                r
            } else if r - k < 4 {
                r - 4
            } else {
                k
            };
            let (taken, left) = rest.split_at(k);
            rest = left;
            ordinal += 1;
            let mut group = taken.to_vec();
            group.sort_unstable();
            for &i in &group {
                places[i].area = Some(areas.len());
            }
            areas.push(Area {
                number: areas.len() + 1,
                ordinal,
                prefecture,
                members: group,
            });
        }
        start = end;
    }
    areas
}

pub(super) fn regions_text(places: &[Place], areas: &[Area], opts: &GenerateOptions) -> String {
    let mut y = Yaml::with_capacity(places.len() * 160 + 4096);
    y.comment(&format!(
        "Synthetic regions generated by kyodo-hub (seed {}); not real data.",
        opts.seed
    ));
    y.key(0, "regions");
    let member = |y: &mut Yaml, place: &Place| {
        y.flow_entry(
            6,
            &[
                ("code", Flow::Quoted(&place.code)),
                ("name_ja", Flow::Str(&place.name_ja())),
                ("name_en", Flow::Str(&place.name_en())),
            ],
        );
    };
    let mut start = 0;
    while start < places.len() {
        let prefecture = places[start].prefecture;
        let end = start
            + places[start..]
                .iter()
                .take_while(|p| p.prefecture.code == prefecture.code)
                .count();
        y.item();
        y.str(4, "slug", &format!("pref-{}", prefecture.code));
        y.str(4, "name_ja", prefecture.name_ja);
        let name_en = match prefecture.code {
            "01" => "Hokkaido".to_owned(),
            "13" => "Tokyo Metropolis".to_owned(),
            _ => format!("{} Prefecture", prefecture.name_en),
        };
        y.str(4, "name_en", &name_en);
        y.str(4, "kind", RegionKind::Prefecture.as_str());
        y.str(
            4,
            "description",
            &format!("合成データのうち{}に属する市町村。", prefecture.name_ja),
        );
        y.key(4, "members");
        for place in &places[start..end] {
            member(&mut y, place);
        }
        for area in areas
            .iter()
            .filter(|a| a.prefecture.code == prefecture.code)
        {
            y.item();
            y.str(4, "slug", &format!("area-{:03}", area.number));
            y.str(4, "name_ja", &area.name_ja());
            y.str(
                4,
                "name_en",
                &format!("{} area {}", prefecture.name_en, area.ordinal),
            );
            y.str(4, "kind", RegionKind::LiaisonArea.as_str());
            y.str(
                4,
                "description",
                &format!(
                    "{}の市町村が協働・市民活動の担当課長連絡会議を開いている地区。",
                    area.name_ja()
                ),
            );
            y.key(4, "members");
            for &i in &area.members {
                member(&mut y, &places[i]);
            }
        }
        start = end;
    }
    y.s
}

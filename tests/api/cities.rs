//! Facts of each city, read back through the API and checked against the source documents in
//! `../shared/seeds/`. Each assertion cites what the document says.

use serde_json::{Value, json};

use crate::db_tests;
use crate::helpers::{Backend, TestApp, find};

const OBSERVATIONS: &str = r#"query($slug: String!) { municipality(slug: $slug) {
    observations { metric { code } fiscalYear value approximate labelJa note source { title } } } }"#;

async fn observation(app: &TestApp, slug: &str, metric: &str, year: i64) -> Value {
    let data = app.data(OBSERVATIONS, json!({ "slug": slug })).await;
    let all = data["municipality"]["observations"]
        .as_array()
        .expect("list")
        .clone();
    let hits: Vec<Value> = all
        .into_iter()
        .filter(|o| o["metric"]["code"] == metric && o["fiscalYear"] == year)
        .collect();
    assert_eq!(hits.len(), 1, "{slug} {metric} {year}");
    hits[0].clone()
}

async fn the_five_cities_have_codes_populations_and_prefectures(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            "{ municipalities { code slug nameJa nameEn population populationYear prefecture { code nameJa }
               populationSource { title publisher } } }",
            json!({}),
        )
        .await;
    let list = &data["municipalities"];
    // ../shared/seeds/README.md: codes with check digit and 2020-census populations.
    for (code, slug, name, population, pref) in [
        ("352012", "shimonoseki", "下関市", 255_051, "35"),
        ("352039", "yamaguchi", "山口市", 193_966, "35"),
        ("352063", "hofu", "防府市", 113_979, "35"),
        ("332020", "kurashiki", "倉敷市", 474_592, "33"),
        ("272035", "toyonaka", "豊中市", 401_558, "27"),
    ] {
        let m = find(list, "code", code);
        assert_eq!(m["slug"], slug);
        assert_eq!(m["nameJa"], name);
        assert_eq!(m["population"], population);
        assert_eq!(m["populationYear"], 2020);
        assert_eq!(m["prefecture"]["code"], pref);
        assert_eq!(m["populationSource"]["title"], "令和2年国勢調査");
    }
    assert_eq!(list.as_array().map(Vec::len), Some(5));
}

async fn hofu_ordinance_staff_and_proposal_scheme(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            r#"{ municipality(code: "352063") {
                ordinances { title articles { number chapter heading text } source { document } }
                programs(first: 100) { totalCount edges { node { kind title startedFiscalYear
                    activities { title date fiscalYear sessions participants approximate topic }
                    proposals { track title count stage fiscalYear } } } }
                supportCenters { nameJa opened managementModel managementSinceFiscalYear operator }
            } }"#,
            json!({}),
        )
        .await;
    let m = &data["municipality"];
    // 第4章 第16条〜第19条 with their captions.
    let ordinance = &m["ordinances"][0];
    assert_eq!(ordinance["title"], "防府市参画及び協働の推進に関する条例");
    assert_eq!(ordinance["source"]["document"], "000_35a5cb1ed00ceb86.txt");
    let articles = &ordinance["articles"];
    for (number, heading) in [
        (16, "協働の推進"),
        (17, "協働による事業の提案"),
        (18, "人材の育成"),
        (19, "活動の支援"),
    ] {
        assert_eq!(find(articles, "number", number)["heading"], heading);
    }
    let art16 = find(articles, "number", 16)["text"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(
        art16.starts_with("市民等及び市長等は、それぞれの特性を理解し"),
        "{art16}"
    );
    assert!(
        art16.contains("2 市長等は、市民等の自主性及び自立性を尊重しながら"),
        "{art16}"
    );

    let programs: Vec<Value> = m["programs"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    let programs = Value::Array(programs);
    // 協働事業提案制度: started FY H29; 行政提案型1件, 市民提案型2件, 相談 計9件; presentation H29.9.28.
    let scheme = find(&programs, "kind", "PROPOSAL_SCHEME");
    assert_eq!(scheme["startedFiscalYear"], 2017);
    let presentation = &scheme["activities"][0];
    assert_eq!(presentation["date"], "2017-09-28");
    assert_eq!(presentation["fiscalYear"], 2017);
    let admin = find(&scheme["proposals"], "track", "ADMINISTRATION");
    assert_eq!(admin["title"], "デートDV防止の啓発事業");
    let citizen: i64 = scheme["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .filter(|p| p["track"] == "CITIZEN")
        .map(|p| p["count"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(citizen, 2);
    assert_eq!(find(&scheme["proposals"], "stage", "CONSULTED")["count"], 9);
    // Forum H26/2/8, 参加者約130名: FY2013, approximate.
    let forum = &find(&programs, "kind", "FORUM")["activities"][0];
    assert_eq!(
        (forum["date"].clone(), forum["fiscalYear"].clone()),
        (json!("2014-02-08"), json!(2013))
    );
    assert_eq!(
        (forum["participants"].clone(), forum["approximate"].clone()),
        (json!(130), json!(true))
    );
    // まちづくりボランティア養成講座 H26: 6回(55名); 登録団体との連携講座 H25: 17回(264名).
    let volunteer = find(&programs, "title", "まちづくりボランティア養成講座");
    let h26 = find(&volunteer["activities"], "fiscalYear", 2014);
    assert_eq!(
        (h26["sessions"].clone(), h26["participants"].clone()),
        (json!(6), json!(55))
    );
    let partner = find(&programs, "title", "登録団体との連携講座");
    let h25 = find(&partner["activities"], "fiscalYear", 2013);
    assert_eq!(
        (h25["sessions"].clone(), h25["participants"].clone()),
        (json!(17), json!(264))
    );
    // 出前講座 H28: 4回, 参加者43名, including 防災・災害から子どもや女性を守る.
    let outreach = find(&programs, "kind", "OUTREACH_LECTURE");
    let h28: Vec<&Value> = outreach["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .filter(|a| a["fiscalYear"] == 2016)
        .collect();
    assert!(
        h28.iter()
            .any(|a| a["sessions"] == 4 && a["participants"] == 43)
    );
    assert!(h28.iter().any(|a| {
        a["title"]
            .as_str()
            .is_some_and(|t| t.contains("防災・災害から子どもや女性を守る"))
    }));

    // 防府市市民活動支援センター: 平成15年11月 設置, 平成21年度から指定管理者制度.
    let center = &m["supportCenters"][0];
    assert_eq!(center["opened"], "2003-11");
    assert_eq!(center["managementModel"], "DESIGNATED_MANAGER");
    assert_eq!(center["managementSinceFiscalYear"], 2009);

    // 【選任状況】H29: 54名、H28: 52名.
    assert_eq!(
        observation(&app, "hofu", "promotion_officers", 2017).await["value"],
        54.0
    );
    assert_eq!(
        observation(&app, "hofu", "promotion_officers", 2016).await["value"],
        52.0
    );
    assert_eq!(
        observation(&app, "hofu", "proposals_received", 2017).await["value"],
        3.0
    );
}

async fn yamaguchi_plan_hierarchy_is_complete(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            r#"{ municipality(slug: "yamaguchi") { plans {
                title periodStart periodEnd actionPlanStart actionPlanEnd source { title published }
                policies { label title measures { label items { label title isRepost repostOf { label }
                    departments implementers targets schedule { fiscalYear phases labelJa } } } }
                items { label }
                indicators { name unit baseline { fiscalYear value } targets { fiscalYear value } progress }
            } } }"#,
            json!({}),
        )
        .await;
    let plan = &data["municipality"]["plans"][0];
    assert_eq!(plan["title"], "山口市協働推進プラン");
    // 計画期間: 平成21年（2009年）度から平成29年（2017年）度まで.
    assert_eq!(
        (plan["periodStart"].clone(), plan["periodEnd"].clone()),
        (json!(2009), json!(2017))
    );
    assert_eq!(plan["source"]["published"], "2009-03");
    // 推進方針 I–V with (1)… measures: 4, 4, 2, 3, 3; 52 推進項目 in 年度別実行計画.
    let policies = plan["policies"].as_array().expect("policies");
    let labels: Vec<&str> = policies
        .iter()
        .filter_map(|p| p["label"].as_str())
        .collect();
    assert_eq!(labels, ["I", "II", "III", "IV", "V"]);
    let measures: Vec<usize> = policies
        .iter()
        .map(|p| p["measures"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(measures, [4, 4, 2, 3, 3]);
    assert_eq!(plan["items"].as_array().map(Vec::len), Some(52));
    assert_eq!(
        policies[0]["title"],
        "参加しやすく、活動しやすい環境づくりを進めます"
    );

    let items: Vec<Value> = policies
        .iter()
        .flat_map(|p| p["measures"].as_array().cloned().unwrap_or_default())
        .flat_map(|m| m["items"].as_array().cloned().unwrap_or_default())
        .collect();
    let items = Value::Array(items);
    // I-(1)-① 地域交流センターの設置: 担当課 協働推進課・生涯学習課・行革推進課; H20 検討, H21 実施・完了予定.
    let first = find(&items, "label", "I-(1)-①");
    assert_eq!(first["title"], "地域交流センターの設置");
    assert_eq!(
        first["departments"],
        json!(["協働推進課", "生涯学習課", "行革推進課"])
    );
    assert_eq!(first["implementers"], json!(["ADMINISTRATION"]));
    assert_eq!(
        first["targets"],
        json!(["CITIZEN", "COMMUNITY", "CIVIC_GROUP"])
    );
    assert_eq!(
        first["schedule"],
        json!([
            { "fiscalYear": 2008, "phases": ["STUDY"], "labelJa": "検討" },
            { "fiscalYear": 2009, "phases": ["IMPLEMENTATION", "COMPLETION"], "labelJa": "実施・完了予定" }
        ])
    );
    // I-(1)-②: 検討 → 一部実施 実施 →
    let second = find(&items, "label", "I-(1)-②");
    let cells: Vec<&str> = second["schedule"]
        .as_array()
        .expect("schedule")
        .iter()
        .filter_map(|s| s["labelJa"].as_str())
        .collect();
    assert_eq!(cells, ["検討", "→", "一部実施", "実施", "→"]);
    // Five 【再掲】 items, each linked to its original.
    let reposts: Vec<(String, String)> = items
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["isRepost"] == true)
        .map(|i| {
            (
                i["label"].as_str().unwrap_or("").to_owned(),
                i["repostOf"]["label"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        reposts,
        [
            ("III-(2)-②".into(), "II-(4)-①".into()),
            ("IV-(2)-①".into(), "I-(2)-⑤".into()),
            ("IV-(2)-③".into(), "II-(4)-②".into()),
            ("V-(1)-②".into(), "I-(4)-③".into()),
            ("V-(2)-②".into(), "II-(2)-③".into()),
        ]
    );
    // 数値目標 ①: 37.5 (H18年度) → 45.0 (H24年度) → 50.0 (H29年度); no later value, so no progress.
    let first_indicator = find(
        &plan["indicators"],
        "name",
        "地域活動に参加している市民の割合",
    );
    assert_eq!(first_indicator["unit"], "PERCENT");
    assert_eq!(
        first_indicator["baseline"],
        json!({ "fiscalYear": 2006, "value": 37.5 })
    );
    assert_eq!(
        first_indicator["targets"],
        json!([{ "fiscalYear": 2012, "value": 45.0 }, { "fiscalYear": 2017, "value": 50.0 }])
    );
    assert_eq!(first_indicator["progress"], Value::Null);
    assert_eq!(plan["indicators"].as_array().map(Vec::len), Some(5));
    // 登録団体数 269 (平成20年12月末現在).
    assert_eq!(
        observation(&app, "yamaguchi", "registered_groups", 2008).await["value"],
        269.0
    );
}

async fn kurashiki_report_counts(b: Backend) {
    let app = TestApp::spawn(&b).await;
    // 協働環境調査: 205事業 (survey of Feb 2017 = FY2016), 203事業 (FY2015 survey).
    assert_eq!(
        observation(&app, "kurashiki", "collaboration_projects", 2016).await["value"],
        205.0
    );
    assert_eq!(
        observation(&app, "kurashiki", "collaboration_projects", 2015).await["value"],
        203.0
    );
    // 協働調整員 21名, 協働推進員 140名.
    assert_eq!(
        observation(&app, "kurashiki", "promotion_officers", 2016).await["value"],
        140.0
    );
    assert_eq!(
        observation(&app, "kurashiki", "promotion_coordinators", 2016).await["value"],
        21.0
    );
    let data = app
        .data(
            r#"{ municipality(slug: "kurashiki") { programs(first: 100) { edges { node { kind title url
                activities { title date participants } proposals { track count fiscalYear } source { url } } } } } }"#,
            json!({}),
        )
        .await;
    let programs = Value::Array(
        data["municipality"]["programs"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"].clone())
            .collect(),
    );
    // 課題解決モデル事業: 平成28年8月4日, 参加者44名(市民37名,倉敷市職員7名).
    let model = find(&programs, "title", "課題解決モデル事業");
    assert_eq!(model["activities"][0]["date"], "2016-08-04");
    assert_eq!(model["activities"][0]["participants"], 44);
    assert_eq!(
        model["source"]["url"],
        "http://www.city.kurashiki.okayama.jp/26188.htm"
    );
    // 平成29年度分: 行政提案コース 7事業, 市民提案コース 1事業.
    let scheme = find(&programs, "kind", "PROPOSAL_SCHEME");
    assert_eq!(
        find(&scheme["proposals"], "track", "ADMINISTRATION")["count"],
        7
    );
    assert_eq!(find(&scheme["proposals"], "track", "CITIZEN")["count"], 1);
    // 地域づくり研修会: 平成28年6月2日, 9月1日, 12月15日.
    let regional = find(&programs, "title", "地域向け研修");
    let dates: Vec<&str> = regional["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .filter_map(|a| a["date"].as_str())
        .collect();
    assert_eq!(dates, ["2016-06-02", "2016-09-01", "2016-12-15"]);
}

async fn shimonoseki_indicators_and_roles(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            r#"{ municipality(slug: "shimonoseki") {
                indicators { name unit baseline { fiscalYear value labelJa } targets { fiscalYear value labelJa } policy { label } }
                plans { policies { label title roles { actorJa actors items } } }
                bodies { kind nameJa }
            } }"#,
            json!({}),
        )
        .await;
    let m = &data["municipality"];
    assert_eq!(m["indicators"].as_array().map(Vec::len), Some(10));
    // 市民協働参画 (パートナーシップ) 認知度: 知っている 10.6% (平成26年) → 15% (平成32年 = 2020).
    let awareness = find(
        &m["indicators"],
        "name",
        "市民協働参画 (パートナーシップ) 認知度",
    );
    assert_eq!(awareness["baseline"]["value"], 10.6);
    assert_eq!(
        awareness["targets"][0],
        json!({ "fiscalYear": 2020, "value": 15.0, "labelJa": "平成32年" })
    );
    // しものせき市民活動センター利用数: 平成25年度 28,239人 → 平成31年度 29,000人.
    let visits = find(&m["indicators"], "name", "しものせき市民活動センター利用数");
    assert_eq!(visits["unit"], "PEOPLE");
    assert_eq!(
        visits["baseline"],
        json!({ "fiscalYear": 2013, "value": 28239.0, "labelJa": "平成25年度" })
    );
    assert_eq!(visits["targets"][0]["value"], 29000.0);
    // 基本方針 1 市民協働への理解促進; its 役割区分 lists ○情報の提供と共有 for every actor.
    let policies = &m["plans"][0]["policies"];
    assert_eq!(
        find(policies, "label", "1")["title"],
        "市民協働への理解促進"
    );
    let roles = &find(policies, "label", "1")["roles"];
    assert_eq!(roles.as_array().map(Vec::len), Some(3));
    for role in roles.as_array().expect("roles") {
        assert!(
            role["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|i| i == "情報の提供と共有"),
            "{role}"
        );
    }
    assert_eq!(
        find(&m["bodies"], "kind", "HEADQUARTERS")["nameJa"],
        "下関市市民協働参画推進本部"
    );
    assert_eq!(
        observation(&app, "shimonoseki", "registered_groups", 2014).await["value"],
        254.0
    );
    assert_eq!(
        observation(&app, "shimonoseki", "support_center_visits", 2013).await["value"],
        28239.0
    );
}

async fn toyonaka_bodies_meetings_and_training(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            r#"{ municipality(code: "272035") {
                bodies { kind nameJa parent { nameJa } yearly { fiscalYear meetingsHeld }
                    meetings { number date fiscalYear format agenda dateNote } }
                meetings(from: "2023-08-01", to: "2023-12-31") { date body { nameJa } }
                programs(kind: STAFF_TRAINING) { totalCount edges { node { activities { title participants fiscalYear } } } }
                regions { slug }
            } }"#,
            json!({}),
        )
        .await;
    let m = &data["municipality"];
    let hq = find(&m["bodies"], "nameJa", "協働推進本部会議");
    assert_eq!(hq["kind"], "HEADQUARTERS");
    let meetings = hq["meetings"].as_array().expect("meetings");
    assert_eq!(meetings.len(), 2);
    // No.1 令和5年8月10日まで 開催案内送付 (書面開催): (1)協働推進本部会議の年間スケジュールについて
    assert_eq!(meetings[0]["date"], "2023-08-10");
    assert_eq!(meetings[0]["format"], "WRITTEN");
    assert_eq!(
        meetings[0]["agenda"],
        json!(["(1)協働推進本部会議の年間スケジュールについて"])
    );
    let secretariat = find(&m["bodies"], "kind", "SECRETARIAT");
    assert_eq!(secretariat["parent"]["nameJa"], "協働推進本部会議");
    // 豊能地区市町NPO担当課長連絡会議: 令和5年度は開催なし.
    let liaison = find(&m["bodies"], "kind", "LIAISON");
    assert_eq!(
        liaison["yearly"],
        json!([{ "fiscalYear": 2023, "meetingsHeld": 0 }])
    );
    // Date range: 2023-08-10 and 2023-12-08 (本部), 2023-11-08 (幹事会); not 2023-07-07.
    let mut dates: Vec<&str> = m["meetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .filter_map(|x| x["date"].as_str())
        .collect();
    dates.sort_unstable();
    assert_eq!(dates, ["2023-08-10", "2023-11-08", "2023-12-08"]);
    // 職員研修: 88人, 67人, 92人.
    let training = &m["programs"]["edges"][0]["node"]["activities"];
    let participants: Vec<i64> = training
        .as_array()
        .expect("activities")
        .iter()
        .filter_map(|a| a["participants"].as_i64())
        .collect();
    assert_eq!(participants, [88, 67, 92]);
    assert_eq!(
        observation(&app, "toyonaka", "promotion_officers", 2023).await["value"],
        112.0
    );
    assert_eq!(
        observation(&app, "toyonaka", "staff_training_participants", 2023).await["value"],
        247.0
    );
    let regions: Vec<&str> = m["regions"]
        .as_array()
        .expect("regions")
        .iter()
        .filter_map(|r| r["slug"].as_str())
        .collect();
    assert_eq!(regions, ["nats", "toyono"]);
}

async fn regions_list_members_in_and_outside_the_hub(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data(
            r#"{ nats: region(slug: "nats") { nameJa kind members { code nameJa municipality { slug } } source { title } }
                 yamaguchi: municipalities(region: "yamaguchi-prefecture") { slug }
                 osaka: municipalities(prefecture: "大阪府") { slug }
                 regions { slug } }"#,
            json!({}),
        )
        .await;
    // NATS: 西宮市, 尼崎市, 豊中市, 吹田市 — only Toyonaka is in the hub.
    let members = data["nats"]["members"].as_array().expect("members");
    let names: Vec<&str> = members
        .iter()
        .filter_map(|m| m["nameJa"].as_str())
        .collect();
    assert_eq!(names, ["西宮市", "尼崎市", "豊中市", "吹田市"]);
    let linked: Vec<&str> = members
        .iter()
        .filter_map(|m| m["municipality"]["slug"].as_str())
        .collect();
    assert_eq!(linked, ["toyonaka"]);
    assert_eq!(data["nats"]["kind"], "PARTNERSHIP");
    let ymg: Vec<&str> = data["yamaguchi"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|m| m["slug"].as_str())
        .collect();
    assert_eq!(ymg, ["shimonoseki", "yamaguchi", "hofu"]);
    assert_eq!(data["osaka"], json!([{ "slug": "toyonaka" }]));
    assert_eq!(data["regions"].as_array().map(Vec::len), Some(4));
}

async fn metrics_catalogue_and_node_lookup(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let data = app
        .data("{ metrics { code nameJa unit } }", json!({}))
        .await;
    for code in [
        "promotion_officers",
        "promotion_coordinators",
        "collaboration_projects",
        "registered_groups",
        "proposals_received",
        "staff_training_participants",
        "support_center_visits",
    ] {
        find(&data["metrics"], "code", code);
    }
    assert_eq!(
        find(&data["metrics"], "code", "promotion_officers")["nameJa"],
        "協働推進員数"
    );
    // Every global ID resolves back to its record through node().
    let data = app
        .data(
            r#"{ municipality(slug: "yamaguchi") { id plans { id items { id label } } } }"#,
            json!({}),
        )
        .await;
    let item = &data["municipality"]["plans"][0]["items"][3];
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { id ... on PlanItem { label } } }",
            json!({ "id": item["id"] }),
        )
        .await;
    assert_eq!(node["node"]["label"], item["label"]);
    let node = app
        .data(
            "query($id: ID!) { node(id: $id) { ... on Municipality { code } } }",
            json!({ "id": data["municipality"]["id"] }),
        )
        .await;
    assert_eq!(node["node"]["code"], "352039");
}

async fn programs_page_with_cursors(b: Backend) {
    let app = TestApp::spawn(&b).await;
    let q = r#"query($after: String) { municipality(slug: "hofu") { programs(first: 4, after: $after) {
        totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { title } } } } }"#;
    let mut titles = Vec::new();
    let mut after = Value::Null;
    let mut pages = 0;
    loop {
        let data = app.data(q, json!({ "after": after })).await;
        let conn = &data["municipality"]["programs"];
        assert_eq!(conn["totalCount"], 9);
        titles.extend(
            conn["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["title"].clone()),
        );
        pages += 1;
        if conn["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    assert_eq!(titles.len(), 9);
    assert_eq!(titles[0], "協働事業提案制度");
}

db_tests!(
    the_five_cities_have_codes_populations_and_prefectures,
    hofu_ordinance_staff_and_proposal_scheme,
    yamaguchi_plan_hierarchy_is_complete,
    kurashiki_report_counts,
    shimonoseki_indicators_and_roles,
    toyonaka_bodies_meetings_and_training,
    regions_list_members_in_and_outside_the_hub,
    metrics_catalogue_and_node_lookup,
    programs_page_with_cursors,
);

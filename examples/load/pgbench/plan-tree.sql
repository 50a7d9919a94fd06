-- What PostGraphile v4.14.1 (../postgraphile/plan-tree.graphql) sends for one request, as PostgreSQL
-- logged it, turned into a pgbench script by capture.mjs (run.sh does this in every run where
-- it can read the log; this copy, captured at scale 5 on 2026-11-30, is replayed where it cannot).
-- The :s<statement>_<n> variables are v4's parameters, in plan-tree.vars, for pgbench -D.
select to_json((__local_0__."name_ja")) as "nameJa", to_json((select coalesce((select json_agg(__local_1__."object") from (select json_build_object('title'::text, (__local_2__."title"), 'periodStart'::text, (__local_2__."period_start"), 'periodEnd'::text, (__local_2__."period_end"), '@source'::text, (select json_build_object('title'::text, (__local_3__."title"), 'published'::text, (__local_3__."published")) as object
from "public"."sources" as __local_3__

where (__local_2__."source_id" = __local_3__."id") and (TRUE) and (TRUE)


), '@policies'::text, (select coalesce((select json_agg(__local_4__."object") from (select json_build_object('label'::text, (__local_5__."label"), 'title'::text, (__local_5__."title"), '@measures'::text, (select coalesce((select json_agg(__local_6__."object") from (select json_build_object('label'::text, (__local_7__."label"), 'title'::text, (__local_7__."title"), '@planItems'::text, (select coalesce((select json_agg(__local_8__."object") from (select json_build_object('label'::text, (__local_9__."label"), 'title'::text, (__local_9__."title"), 'repostOfId'::text, (__local_9__."repost_of_id"), '@repostOf'::text, (select json_build_object('label'::text, (__local_10__."label")) as object
from "public"."plan_items" as __local_10__

where (__local_9__."repost_of_id" = __local_10__."id") and (TRUE) and (TRUE)


), 'departments'::text, (__local_9__."departments"), 'implementers'::text, (__local_9__."implementers"), 'targets'::text, (__local_9__."targets"), 'purpose'::text, (__local_9__."purpose"), 'completionCriterion'::text, (__local_9__."completion_criterion"), '@scheduleEntries'::text, (select coalesce((select json_agg(__local_11__."object") from (select json_build_object('fiscalYear'::text, (__local_12__."fiscal_year"), 'phase'::text, (__local_12__."phase"), 'labelJa'::text, (__local_12__."label_ja")) as object from (select __local_12__.*
from "public"."schedule_entries" as __local_12__

where (__local_12__."item_id" = __local_9__."id") and (TRUE) and (TRUE)
order by __local_12__."position" ASC,__local_12__."id" ASC

) __local_12__) as __local_11__), '[]'::json))) as object from (select __local_9__.*
from "public"."plan_items" as __local_9__

where (__local_9__."measure_id" = __local_7__."id") and (TRUE) and (TRUE)
order by __local_9__."position" ASC,__local_9__."id" ASC

) __local_9__) as __local_8__), '[]'::json))) as object from (select __local_7__.*
from "public"."measures" as __local_7__

where (__local_7__."policy_id" = __local_5__."id") and (TRUE) and (TRUE)
order by __local_7__."position" ASC,__local_7__."id" ASC

) __local_7__) as __local_6__), '[]'::json))) as object from (select __local_5__.*
from "public"."policies" as __local_5__

where (__local_5__."plan_id" = __local_2__."id") and (TRUE) and (TRUE)
order by __local_5__."position" ASC,__local_5__."id" ASC

) __local_5__) as __local_4__), '[]'::json))) as object from (select __local_2__.*
from "public"."plans" as __local_2__

where (__local_2__."municipality_code" = __local_0__."code") and (TRUE) and (TRUE)
order by __local_2__."position" ASC,__local_2__."id" ASC

) __local_2__) as __local_1__), '[]'::json))) as "@plans"
from "public"."municipalities" as __local_0__

where (__local_0__."slug" = :s1_1) and (TRUE) and (TRUE);

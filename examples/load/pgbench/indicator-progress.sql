-- What PostGraphile v4.14.1 (../postgraphile/indicator-progress.graphql) sends for one request, as PostgreSQL
-- logged it, turned into a pgbench script by capture.mjs (run.sh does this in every run where
-- it can read the log; this copy, captured at scale 5 on 2026-11-30, is replayed where it cannot).
-- The :s<statement>_<n> variables are v4's parameters, in indicator-progress.vars, for pgbench -D.
select to_json((select coalesce((select json_agg(__local_0__."object") from (select json_build_object('@municipality'::text, (select json_build_object('nameJa'::text, (__local_1__."name_ja"), '@indicators'::text, (select coalesce((select json_agg(__local_2__."object") from (select json_build_object('name'::text, (__local_3__."name"), 'unit'::text, (__local_3__."unit"), '@source'::text, (select json_build_object('title'::text, (__local_4__."title")) as object
from "public"."sources" as __local_4__

where (__local_3__."source_id" = __local_4__."id") and (TRUE) and (TRUE)


), '@indicatorValues'::text, (select coalesce((select json_agg(__local_5__."object") from (select json_build_object('kind'::text, (__local_6__."kind"), 'fiscalYear'::text, (__local_6__."fiscal_year"), 'value'::text, (__local_6__."value")) as object from (select __local_6__.*
from "public"."indicator_values" as __local_6__

where (__local_6__."indicator_id" = __local_3__."id") and (TRUE) and (TRUE)
order by __local_6__."fiscal_year" ASC,__local_6__."position" ASC,__local_6__."id" ASC

) __local_6__) as __local_5__), '[]'::json))) as object from (select __local_3__.*
from "public"."indicators" as __local_3__

where (__local_3__."municipality_code" = __local_1__."code") and (TRUE) and (TRUE)
order by __local_3__."position" ASC,__local_3__."id" ASC

) __local_3__) as __local_2__), '[]'::json))) as object
from "public"."municipalities" as __local_1__

where (__local_7__."member_code" = __local_1__."code") and (TRUE) and (TRUE)


)) as object from (select __local_7__.*
from "public"."region_members" as __local_7__

where (__local_7__."region_id" = __local_8__."id") and (TRUE) and (TRUE)
order by __local_7__."position" ASC,__local_7__."id" ASC

) __local_7__) as __local_0__), '[]'::json))) as "@regionMembers"
from "public"."regions" as __local_8__

where (__local_8__."slug" = :s1_1) and (TRUE) and (TRUE);

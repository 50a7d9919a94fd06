-- What PostGraphile v4.14.1 (../postgraphile/compare.graphql) sends for one request, as PostgreSQL
-- logged it, turned into a pgbench script by capture.mjs (run.sh does this in every run where
-- it can read the log; this copy, captured at scale 5 on 2026-11-30, is replayed where it cannot).
-- The :s<statement>_<n> variables are v4's parameters, in compare.vars, for pgbench -D.
select to_json((__local_0__."code")) as "code", to_json((__local_0__."name_ja")) as "nameJa", to_json((__local_0__."name_en")) as "nameEn", to_json((__local_0__."unit")) as "unit"
from "public"."metrics" as __local_0__

where (__local_0__."code" = :s1_1) and (TRUE) and (TRUE);

select to_json((__local_0__."code")) as "code", to_json((__local_0__."name_ja")) as "nameJa", to_json((__local_0__."population")) as "population", to_json((__local_0__."population_year")) as "populationYear", to_json((select coalesce((select json_agg(__local_1__."object") from (select json_build_object('fiscalYear'::text, (__local_2__."fiscal_year"), 'value'::text, (__local_2__."value"), 'approximate'::text, (__local_2__."approximate"), '@source'::text, (select json_build_object('title'::text, (__local_3__."title"), 'publisher'::text, (__local_3__."publisher")) as object
from "public"."sources" as __local_3__

where (__local_2__."source_id" = __local_3__."id") and (TRUE) and (TRUE)


)) as object from (select __local_2__.*
from "public"."observations" as __local_2__

where (__local_2__."municipality_code" = __local_0__."code") and (__local_2__."metric_code" = :s2_1) and (TRUE) and (TRUE)
order by __local_2__."fiscal_year" ASC,__local_2__."id" ASC

) __local_2__) as __local_1__), '[]'::json))) as "@observations" from (select __local_0__.*
from "public"."municipalities" as __local_0__

where (TRUE) and (TRUE)
order by __local_0__."code" ASC

) __local_0__;

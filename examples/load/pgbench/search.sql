-- What PostGraphile v4.14.1 (../postgraphile/search.graphql) sends for one request, as PostgreSQL
-- logged it, turned into a pgbench script by capture.mjs (run.sh does this in every run where
-- it can read the log; this copy, captured at scale 5 on 2026-11-30, is replayed where it cannot).
-- The :s<statement>_<n> variables are v4's parameters, in search.vars, for pgbench -D.
with __local_0__ as (select to_json((json_build_object('kind'::text, (__local_1__."kind"), 'recordId'::text, (__local_1__."record_id"), 'title'::text, (__local_1__."title"), 'body'::text, (__local_1__."body"), '@municipality'::text, (select json_build_object('nameJa'::text, (__local_2__."name_ja")) as object
from "public"."municipalities" as __local_2__

where (__local_1__."municipality_code" = __local_2__."code") and (TRUE) and (TRUE)


)))) as "@nodes", to_json(json_build_array('primary_key_asc', json_build_array(__local_1__."id"))) as "__cursor" from (select __local_1__.*
from "public"."search_documents" as __local_1__

where (((((__local_1__."title" ILIKE :s1_1))) or (((__local_1__."body" ILIKE :s1_2))))) and (TRUE) and (TRUE)
order by __local_1__."id" ASC
limit 10
) __local_1__), __local_3__ as (select json_agg(to_json(__local_0__)) as data from __local_0__) select coalesce((select __local_3__.data from __local_3__), '[]'::json) as "data", exists(
  select 1
from "public"."search_documents" as __local_1__
where (((((__local_1__."title" ILIKE :s1_1))) or (((__local_1__."body" ILIKE :s1_2))))) and (TRUE)
  and (json_build_array('primary_key_asc', json_build_array(__local_1__."id")))::text not in (select __cursor::text from __local_0__)
  
) as "hasNextPage", (
  select json_build_object('totalCount'::text, count(1))
  from "public"."search_documents" as __local_1__
  where (((((__local_1__."title" ILIKE :s1_1))) or (((__local_1__."body" ILIKE :s1_2)))))
) as "aggregates";

// Starts GraphiQL on the hub's own endpoint. Kept out of the page so the Content-Security-Policy
// can forbid inline scripts.
(function () {
  var mount = document.getElementById('graphiql');
  var fetcher = GraphiQL.createFetcher({ url: mount.dataset.endpoint });
  var defaultQuery = [
    '# 協働ハブ kyodo-hub: five cities\' collaboration plans, indicators and programmes.',
    '# The schema is in the Docs panel and at /schema.graphql.',
    '{',
    '  municipalities {',
    '    slug',
    '    nameJa',
    '    nameEn',
    '    population',
    '  }',
    '}',
    ''
  ].join('\n');
  ReactDOM.createRoot(mount).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery })
  );
})();

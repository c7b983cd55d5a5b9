// graphql-http's GraphQL-over-HTTP audit against AUDIT_URL; prints one JSON line per
// result: {"status": "ok"|"warn"|"error"|"notice", "name": "...", "reason": "..."}.
const { auditServer } = require("graphql-http");

(async () => {
  const results = await auditServer({ url: process.env.AUDIT_URL });
  for (const result of results) {
    const line = { status: result.status, id: result.id, name: result.name };
    if (result.status !== "ok") {
      line.reason = result.reason;
      try {
        line.response = await result.response.text();
      } catch (e) {
        line.response = null;
      }
    }
    console.log(JSON.stringify(line));
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});

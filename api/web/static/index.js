// The landing page: links to each article's reader page, read through /graphql.
import { request } from "./gql.js";
import { h } from "./dom.js";

const PAGE = 50;
const ARTICLES = `query Articles($after: String) {
  articles(first: ${PAGE}, after: $after) {
    edges { node { slug title commentCount } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const $ = (id) => document.getElementById(id);

async function load(after = null) {
  const list = $("articles");
  try {
    const { articles } = await request(ARTICLES, { after });
    for (const { node } of articles.edges) {
      const count = node.commentCount === 1 ? "1 comment" : `${node.commentCount} comments`;
      list.append(h("li", {}, h("a", { href: `/articles/${encodeURIComponent(node.slug)}`, dir: "auto" }, node.title), " ", h("span", { class: "muted" }, `(${count})`)));
    }
    $("no-articles").hidden = list.children.length > 0;
    const more = $("more");
    more.hidden = !articles.pageInfo.hasNextPage;
    more.onclick = () => {
      more.hidden = true;
      load(articles.pageInfo.endCursor);
    };
  } catch (error) {
    $("page-error").textContent = `Cannot list the articles: ${error.message}`;
    $("page-error").hidden = false;
  } finally {
    list.removeAttribute("aria-busy");
  }
}

load();

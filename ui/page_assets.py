"""What the page carries besides its components: head script, style sheet, small JS snippets."""

# Gradio labels its own buttons in English; screen readers should hear Chinese. A live
# region announces new answers. Picking a clause writes its address (?clause=…).
HEAD = """<meta name="viewport" content="width=device-width, initial-scale=1">
<script>
(() => {
  const names = {"Like": "赞", "Dislike": "踩", "Copy": "复制", "Copied": "已复制",
    "Copy message": "复制", "Clear": "清空", "Retry": "重试", "Undo": "撤销",
    "Edit": "编辑", "Share": "分享", "Submit": "发送", "Close": "关闭",
    "Download": "下载", "Fullscreen": "全屏", "Clear chat": "清空对话"};
  const live = {"chat": "polite", "hotline-script": "polite", "calc-result": "polite",
    "match-result": "polite", "clause-detail": "polite"};
  const fix = () => {
    document.querySelectorAll("[aria-label],[title]").forEach((el) => {
      const a = el.getAttribute("aria-label");
      if (a && names[a]) el.setAttribute("aria-label", names[a]);
      const t = el.getAttribute("title");
      if (t && names[t]) el.setAttribute("title", names[t]);
    });
    for (const [id, mode] of Object.entries(live)) {
      const el = document.getElementById(id);
      if (el && el.getAttribute("aria-live") !== mode) el.setAttribute("aria-live", mode);
    }
  };
  new MutationObserver(fix).observe(document.documentElement, {subtree: true, childList: true});
  document.addEventListener("DOMContentLoaded", fix);
})();
</script>"""
CSS = """
.gradio-container { max-width: 1100px !important; margin: auto; }
#clause-tree .wrap { flex-direction: column; flex-wrap: nowrap; max-height: 60vh;
                     overflow-y: auto; gap: 2px; }
#clause-tree label { width: 100%; }
#hotline-script { font-size: 1.15em; line-height: 1.6; border-left: 4px solid #2563eb;
                  padding-left: 10px; }
#hotline-answer textarea { line-height: 1.6; }
@media (max-width: 640px) {
  .gradio-container { padding: 4px !important; }
  #chat { height: 42vh !important; }
  .example-row button { flex: 1 1 100%; }
  #policy-row { flex-direction: column-reverse !important; }
  #clause-tree .wrap { max-height: 40vh; }
}
"""
# Writes the picked clause into the address bar, so it can be copied and shared.
CLAUSE_URL_JS = """(ref) => {
  if (ref) {
    const url = new URL(window.location.href);
    url.searchParams.set("clause", ref);
    window.history.replaceState(null, "", url.toString());
  }
  return ref;
}"""
SCROLL_JS = """(...args) => {
  setTimeout(() => document.getElementById("%s")?.scrollIntoView({block: "start"}), 50);
  return args;
}"""
COPY_JS = """(text) => { navigator.clipboard?.writeText(text || ""); return text; }"""

// Self-assessment form: autosave each indicator as a draft (JSON), keep unsaved input in this browser
// (localStorage) so a closed tab or an expired session loses nothing, and show conflicts and errors at
// the fields. The form works without JS (each indicator has its own 保存 button).
(function () {
  "use strict";
  var DELAY = 1200;
  // the page gives the messages in its language (templates/selfassessment/form.html); Chinese if it does not
  var MESSAGES = (function () {
    var el = document.getElementById("autosave-messages");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  })();
  var FALLBACK = {
    saving: "正在保存…", saved_at: "已自动保存 %(time)s",
    session_expired: "登录已过期：内容已保存在本机浏览器，请重新登录后继续。", suggested: "建议分：%(score)s分 — ",
    progress: "已完成 %(d)s / %(t)s 项", complete: "已完成", unclaimed: "未申报", incomplete: "未完成",
    conflict: "该指标已被%(who)s修改。对方的版本：%(theirs)s。您的版本仍在表单中（未保存）；如以您的为准，请点击“保存”。",
    someone: "他人", save_failed: "保存失败，内容已保存在本机浏览器。",
    offline: "网络异常：内容已保存在本机浏览器，恢复连接后会再次保存。", restored: "已恢复本机保存但尚未提交的内容。",
    conflict_pending: "存在修改冲突：请核对后点击“保存”。", optional: "选填", yes: "是", no: "否",
    self_score: "自评分：%(score)s", explanation: "情况说明：%(text)s", list_separator: "；", field_value: "%(label)s：%(value)s"
  };
  function t(key, args) {
    var text = MESSAGES[key] || FALLBACK[key];
    return text.replace(/%\((\w+)\)s/g, function (_m, name) { return args && args[name] !== undefined ? args[name] : ""; });
  }

  function csrf(form) {
    var el = form.querySelector("input[name=csrf_token]");
    return el ? el.value : "";
  }
  function storeKey(form) { return "assess-draft-" + form.dataset.submission + "-" + form.dataset.code; }
  function collect(form) {
    var data = { inputs: {}, version: null };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "submit") { return; }
      if (el.name.indexOf("in_") === 0) { data.inputs[el.name.slice(3)] = el.value; }
      else if (el.name === "version") { data.version = parseInt(el.value, 10) || 0; }
      else if (el.name === "self_score" || el.name === "self_score_reason" || el.name === "explanation") {
        data[el.name] = el.value;
      }
      else if (el.name === "na") { data.na = el.checked; }
      else if (el.name === "na_reason") { data.na_reason = el.value; }
    });
    return data;
  }
  function status(form, text, isError) {
    var s = form.querySelector(".save-status");
    if (s) { s.textContent = text; s.classList.toggle("error", !!isError); }
  }
  function clearErrors(form) {
    form.querySelectorAll(".field").forEach(function (f) {
      f.classList.remove("has-error");
      var p = f.querySelector("p.error");
      if (p) { p.hidden = true; p.textContent = ""; }
      var input = f.querySelector("input, select, textarea");
      if (input) { input.removeAttribute("aria-invalid"); }
    });
  }
  function showErrors(form, errors) {
    Object.keys(errors).forEach(function (name) {
      var f = form.querySelector('.field[data-field="' + name + '"]');
      if (!f) { status(form, errors[name], true); return; }
      f.classList.add("has-error");
      var p = f.querySelector("p.error");
      if (p) { p.hidden = false; p.textContent = errors[name]; }
      var input = f.querySelector("input, select, textarea");
      if (input) { input.setAttribute("aria-invalid", "true"); if (p) { input.setAttribute("aria-describedby", p.id); } }
    });
  }
  function labelOf(form, name) {
    var el = form.elements["in_" + name];
    var label = el && el.id ? form.querySelector('label[for="' + el.id + '"]') : null;
    if (!label) { return name; }
    var text = label.textContent.trim(), optional = t("optional");
    return text.slice(-optional.length) === optional ? text.slice(0, -optional.length).trim() : text;
  }
  function shown(v) { return v === true || v === "true" ? t("yes") : (v === false || v === "false" ? t("no") : v); }
  function describe(form, v) {
    var parts = [];
    Object.keys(v.inputs || {}).forEach(function (k) { parts.push(t("field_value", { label: labelOf(form, k), value: shown(v.inputs[k]) })); });
    parts.push(t("self_score", { score: v.self_score || "—" }));
    if (v.explanation) { parts.push(t("explanation", { text: v.explanation })); }
    return parts.join(t("list_separator"));
  }

  function save(form) {
    var data = collect(form);
    status(form, t("saving"));
    fetch(form.dataset.autosave, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf(form) },
      body: JSON.stringify(data)
    }).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      if (resp.redirected || type.indexOf("application/json") === -1) {
        status(form, t("session_expired"), true);
        return null;
      }
      return resp.json().then(function (body) { return { code: resp.status, body: body }; });
    }).then(function (r) {
      if (!r) { return; }
      clearErrors(form);
      if (r.code === 200) {
        form.querySelector("input[name=version]").value = r.body.version;
        localStorage.removeItem(storeKey(form));
        var sugg = document.getElementById("sugg-" + form.dataset.code);
        if (sugg) { sugg.textContent = (r.body.suggested !== null ? t("suggested", { score: r.body.suggested }) : "") + (r.body.explanation || ""); }
        var bar = document.getElementById("progress-bar");
        if (bar) { bar.value = r.body.progress.done; }
        var pt = document.getElementById("progress-text");
        if (pt) { pt.textContent = t("progress", { d: r.body.progress.done, t: r.body.progress.total }); }
        var totals = document.getElementById("self-totals");
        if (totals && r.body.totals_html) { totals.outerHTML = r.body.totals_html; }  // server-rendered, escaped
        var badge = document.querySelector('[data-status="' + form.dataset.code + '"]');
        if (badge) {
          var done = r.body.complete !== undefined ? r.body.complete : r.body.missing.length === 0;
          badge.textContent = done ? t("complete") : (r.body.unclaimed ? t("unclaimed") : t("incomplete"));
          badge.classList.toggle("ok", done);
        }
        var lang = document.documentElement.lang || "zh-CN";
        status(form, t("saved_at", { time: new Date().toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" }) }));
      } else if (r.code === 422) {
        showErrors(form, r.body.errors || {});
        status(form, r.body.error.message, true);
      } else if (r.code === 409) {
        var theirs = r.body.theirs || {};
        status(form, t("conflict", { who: theirs.updated_by || t("someone"), theirs: describe(form, theirs) }), true);
        form.querySelector("input[name=version]").value = theirs.version;
        form.dataset.conflict = "1";
      } else {
        status(form, (r.body.error && r.body.error.message) || t("save_failed"), true);
      }
    }).catch(function () {
      status(form, t("offline"), true);
    });
  }

  document.querySelectorAll("form.answer-form[data-autosave]").forEach(function (form) {
    var fieldset = form.querySelector("fieldset");
    if (fieldset && fieldset.disabled) { return; }
    // restore input this browser kept but the server never got
    var kept = localStorage.getItem(storeKey(form));
    if (kept) {
      try {
        var d = JSON.parse(kept);
        var current = parseInt(form.querySelector("input[name=version]").value, 10) || 0;
        if (d.version === current) {
          Object.keys(d.inputs || {}).forEach(function (k) {
            var el = form.elements["in_" + k]; if (el) { el.value = d.inputs[k]; }
          });
          ["self_score", "self_score_reason", "explanation"].forEach(function (k) {
            if (form.elements[k] && d[k] !== undefined) { form.elements[k].value = d[k]; }
          });
          status(form, t("restored"));
          save(form);
        } else {
          localStorage.removeItem(storeKey(form));
        }
      } catch (e) { localStorage.removeItem(storeKey(form)); }
    }
    var timer = null;
    function changed() {
      if (form.dataset.conflict) { status(form, t("conflict_pending"), true); return; }
      localStorage.setItem(storeKey(form), JSON.stringify(collect(form)));
      clearTimeout(timer);
      timer = setTimeout(function () { save(form); }, DELAY);
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // the 保存 button posts the whole form: no autosave may race it
    form.addEventListener("submit", function () { clearTimeout(timer); localStorage.removeItem(storeKey(form)); });
  });
})();

// The explorer's script: it looks the chosen situation up in the data the engine computed and
// displays it. It decides nothing: no status, condition or highlight is worked out here.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("explorer-data").textContent);
  var diseases = {};
  data.diseases.forEach(function (disease) { diseases[disease.code] = disease; });
  var DEFAULT_DISEASE = data.diseases[0].code;
  var PREDICTIONS = ["applies", "needs_information", "does_not_apply"];

  var state = {
    disease: DEFAULT_DISEASE,
    facts: {},
    practice: false,
    predictions: {},
    revealed: {},
    right: 0,
    total: 0
  };

  var renderedPassages = null;

  function byId(id) { return document.getElementById(id); }

  // A new element: `attrs` are attributes (`text` sets the text), `children` nodes or strings.
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") { node.textContent = attrs[name]; } else { node.setAttribute(name, attrs[name]); }
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) { continue; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function fields() { return diseases[state.disease].fields; }

  function valueLabel(token) { return data.valueLabels[token] || token; }

  // The situation named by a fragment, and what in it could not be used.
  function parseFragment(hash) {
    var params = new URLSearchParams(hash.replace(/^#/, ""));
    var problems = [];
    var disease = params.get("disease");
    if (disease === null || disease === "") {
      disease = DEFAULT_DISEASE;
    } else if (!diseases[disease]) {
      problems.push("“" + disease + "” is not a disease this page covers; showing " + DEFAULT_DISEASE + ".");
      disease = DEFAULT_DISEASE;
    }
    var facts = {};
    var known = {};
    diseases[disease].fields.forEach(function (field) { known[field.name] = field; });
    params.forEach(function (value, name) {
      if (name === "disease") { return; }
      var field = known[name];
      if (!field) {
        problems.push("“" + name + "” is not a fact of " + disease + "; it was ignored.");
      } else if (value === "unknown" || value === "") {
        delete facts[name];
      } else if (field.values.some(function (pair) { return pair[0] === value; })) {
        facts[name] = value;
      } else {
        problems.push("“" + value + "” is not a value of “" + field.label + "”; it is shown as not known.");
      }
    });
    return { disease: disease, facts: facts, problems: problems };
  }

  function fragmentOf() {
    var parts = ["disease=" + state.disease];
    fields().forEach(function (field) {
      if (state.facts[field.name] !== undefined) { parts.push(field.name + "=" + state.facts[field.name]); }
    });
    return parts.join("&");
  }

  function lookupKey() {
    return [state.disease].concat(fields().map(function (field) {
      return state.facts[field.name] === undefined ? "" : state.facts[field.name];
    })).join("|");
  }

  function showNotice(problems) {
    var notice = byId("notice");
    notice.replaceChildren();
    if (problems.length) {
      notice.appendChild(el("p", { text: "This link could not be followed in full:" }));
      notice.appendChild(el("ul", {}));
      problems.forEach(function (problem) { notice.lastChild.appendChild(el("li", { text: problem })); });
    }
    notice.hidden = problems.length === 0;
  }

  function buildControls() {
    var container = byId("fact-controls");
    container.replaceChildren();
    fields().forEach(function (field) {
      var select = el("select", { id: "field-" + field.name, "data-field": field.name },
        el("option", { value: "unknown", text: "not known" }));
      field.values.forEach(function (pair) {
        select.appendChild(el("option", { value: pair[0], text: pair[1] }));
      });
      select.addEventListener("change", function () { setFact(field.name, select.value); });
      container.appendChild(el("div", { "class": "control" },
        el("label", { "for": select.id, text: field.label }), select));
    });
    container.dataset.disease = state.disease;
  }

  function syncControls() {
    byId("field-disease").value = state.disease;
    if (byId("fact-controls").dataset.disease !== state.disease) { buildControls(); }
    fields().forEach(function (field) {
      var value = state.facts[field.name];
      byId("field-" + field.name).value = value === undefined ? "unknown" : value;
    });
  }

  function resetPractice() {
    state.predictions = {};
    state.revealed = {};
  }

  // A control (or a what-if button) changed one fact: a new situation, a new fragment.
  function setFact(name, token) {
    if (token === "unknown") { delete state.facts[name]; } else { state.facts[name] = token; }
    commit();
  }

  function commit() {
    resetPractice();
    var fragment = "#" + fragmentOf();
    if (location.hash !== fragment) { history.pushState(null, "", fragment); }
    showNotice([]);
    render();
  }

  function fromLocation() {
    var parsed = parseFragment(location.hash);
    state.disease = parsed.disease;
    state.facts = parsed.facts;
    resetPractice();
    showNotice(parsed.problems);
    render();
  }

  function render() {
    syncControls();
    var disease = diseases[state.disease];
    var entry = disease.profiles[lookupKey()];
    var optionRefs = entry[0];
    var allRevealed = optionRefs.every(function (ref) {
      return state.revealed[disease.options[data.optionResults[ref].o].id];
    });
    document.body.classList.toggle("practice", state.practice);
    document.body.classList.toggle("all-revealed", allRevealed);
    var hideAnswers = state.practice && !allRevealed;
    byId("share-link").setAttribute("href", "#" + fragmentOf());
    renderSummary();
    byId("options").replaceChildren.apply(byId("options"), optionRefs.map(renderOption));
    var missing = data.lists[entry[3]];
    byId("missing-summary").textContent = missing.length
      ? "Not known, and it would change the picture: " + missing.map(function (f) { return data.fieldLabels[f]; }).join(", ") + "."
      : "Every option’s status is decided by the facts given.";
    byId("notes").replaceChildren.apply(byId("notes"), entry[1].map(renderNote));
    if (!entry[1].length) {
      byId("notes").appendChild(el("li", { text: "None of the page’s notes bears on this situation." }));
    }
    byId("notes-hidden").hidden = !hideAnswers;
    byId("highlights-hidden").hidden = !hideAnswers;
    // The page's text is the largest part to lay out: rebuilt only when its highlights change.
    var shown = state.disease + "/" + (hideAnswers ? "none" : entry[2]);
    if (shown !== renderedPassages) {
      renderedPassages = shown;
      renderDocuments(hideAnswers ? [] : data.passageSets[entry[2]].map(function (ref) { return data.passages[ref]; }));
    }
    byId("score").textContent = "Score: " + state.right + " of " + state.total;
  }

  function renderSummary() {
    var given = [];
    var unknown = [];
    fields().forEach(function (field) {
      var value = state.facts[field.name];
      if (value === undefined) { unknown.push(field.label); } else { given.push(field.label + ": " + valueLabel(value)); }
    });
    var name = diseases[state.disease].name;
    byId("situation-summary").textContent = name.charAt(0).toUpperCase() + name.slice(1) + ". Known — " +
      (given.join("; ") || "nothing") + ". Not known — " + (unknown.join("; ") || "nothing") + ".";
  }

  function badge(status, words) {
    return el("span", { "class": "badge answer " + status, text: words });
  }

  function renderOption(ref) {
    var result = data.optionResults[ref];
    var option = diseases[state.disease].options[result.o];
    var anchor = "option-" + option.id;
    var revealed = !state.practice || state.revealed[option.id];
    var article = el("article", {
      "class": "option " + (revealed ? result.s : "hidden-status") + (state.revealed[option.id] ? " revealed" : ""),
      id: anchor, tabindex: "-1", "aria-labelledby": anchor + "-title",
      "data-option": option.id, "data-status": result.s
    }, el("h3", { id: anchor + "-title" }, option.title + " ", badge(result.s, data.statusWords[result.s])));
    if (option.treatments.length) {
      article.appendChild(el("p", { "class": "treatments" }, el("strong", { text: "Treatments named: " }), option.treatments.join("; ")));
    }
    if (state.practice) { article.appendChild(renderPrediction(option, result)); }
    var answer = el("div", { "class": "answer" });
    result.p.forEach(function (text) {
      answer.appendChild(el("p", {}, el("em", { text: "In plain words: " }), data.texts[text]));
    });
    if (result.r.length) {
      answer.appendChild(el("h4", { text: "Condition by condition" }));
      var list = el("ul", { "class": "conditions" });
      result.r.forEach(function (reasonRef) {
        var reason = data.reasons[reasonRef];
        list.appendChild(el("li", { "class": reason.o },
          el("span", { "class": "outcome", "aria-hidden": "true", text: { held: "✓", not_held: "✗", blocked: "✗", unknown: "?" }[reason.o] }),
          reason.u ? el("strong", { text: "Exception: " }) : null, reason.t));
      });
      answer.appendChild(list);
    }
    if (result.n.length) {
      answer.appendChild(el("p", {}, el("strong", { text: "Missing: " }),
        result.n.map(function (f) { return data.fieldLabels[f]; }).join(", ") + "."));
    }
    result.w.forEach(function (whatIfRef) { answer.appendChild(renderWhatIf(data.whatIfs[whatIfRef], data.statusWords)); });
    if (result.c.length) {
      answer.appendChild(el("h4", { text: "In the page’s words" }));
      result.c.forEach(function (citationRef) { answer.appendChild(renderQuote(citationRef, result.s)); });
    }
    article.appendChild(answer);
    return article;
  }

  function renderPrediction(option, result) {
    var wrapper = el("div", { "class": "practice-controls" });
    if (state.revealed[option.id]) {
      var guess = state.predictions[option.id];
      var right = guess === result.s;
      wrapper.appendChild(el("p", { "class": "verdict " + (right ? "right" : "wrong") },
        (right ? "✓ Right: " : "✗ Not quite: ") + "you predicted “" + data.statusWords[guess] + "”; the page’s answer is “" + data.statusWords[result.s] + "”."));
      return wrapper;
    }
    var fieldset = el("fieldset", { "class": "prediction" }, el("legend", { text: "Your prediction for “" + option.title + "”" }));
    var reveal = el("button", { type: "button", "class": "reveal", "data-reveal": option.id, text: "Reveal the answer" });
    reveal.disabled = !state.predictions[option.id];
    PREDICTIONS.forEach(function (status) {
      var id = "predict-" + option.id + "-" + status;
      var radio = el("input", { type: "radio", id: id, name: "predict-" + option.id, value: status, "data-predict": option.id });
      radio.checked = state.predictions[option.id] === status;
      radio.addEventListener("change", function () {
        state.predictions[option.id] = status;
        reveal.disabled = false;
      });
      fieldset.appendChild(el("label", { "for": id }, radio, " " + data.statusWords[status]));
    });
    reveal.addEventListener("click", function () {
      state.revealed[option.id] = true;
      state.total += 1;
      if (state.predictions[option.id] === result.s) { state.right += 1; }
      render();
      var card = byId("option-" + option.id);
      if (card) { card.focus(); }
    });
    wrapper.appendChild(fieldset);
    wrapper.appendChild(reveal);
    return wrapper;
  }

  function renderWhatIf(whatIf, words) {
    var label = data.fieldLabels[whatIf.f];
    var buttons = el("div", { "class": "whatif-buttons" });
    whatIf.o.forEach(function (pair) {
      var button = el("button", {
        type: "button", "data-whatif-field": whatIf.f, "data-whatif-value": pair[0],
        "aria-label": "Set " + label + " to " + valueLabel(pair[0]) + " (then: " + words[pair[1]] + ")"
      }, valueLabel(pair[0]) + " → " + words[pair[1]]);
      button.addEventListener("click", function () { setFact(whatIf.f, pair[0]); });
      buttons.appendChild(button);
    });
    return el("div", { "class": "whatif" }, el("p", {}, el("strong", { text: label }), " — if it were known (choose to set it):"), buttons);
  }

  function renderQuote(citationRef, status) {
    var citation = data.citations[citationRef];
    var where = el("p", { "class": "where" }, citation.l);
    if (status === "does_not_apply") {
      where.appendChild(document.createTextNode(" — not highlighted, as this option does not apply here"));
    } else {
      var show = el("button", { type: "button", "class": "link", "data-citation": String(citationRef), text: "show in the page" });
      show.addEventListener("click", function () { focusPassage(citation); });
      where.appendChild(el("span", { "class": "show" }, " — ", show));
    }
    return el("blockquote", {}, el("p", { text: "“" + citation.q + "”" }), where);
  }

  function focusPassage(citation) {
    var marks = document.querySelectorAll("#documents mark");
    for (var i = 0; i < marks.length; i++) {
      var mark = marks[i];
      if (Number(mark.dataset.document) === citation.d && Number(mark.dataset.start) <= citation.s && citation.e <= Number(mark.dataset.end)) {
        mark.focus();
        return;
      }
    }
  }

  function focusItem(kind, id) {
    var target = byId((kind === "option" ? "option-" : "note-") + id);
    if (target) { target.focus(); }
  }

  function renderNote(ref) {
    var note = data.noteResults[ref];
    var item = el("li", { id: "note-" + note.id, tabindex: "-1", "data-note": note.id, "data-status": note.s },
      badge(note.s, data.noteStatusWords[note.s]), " " + data.texts[note.t]);
    if (note.n.length) {
      item.appendChild(el("em", { text: " Depends on: " + note.n.map(function (f) { return data.fieldLabels[f]; }).join(", ") + "." }));
    }
    note.w.forEach(function (whatIfRef) {
      item.appendChild(renderWhatIf(data.whatIfs[whatIfRef], { applies: "shown (applies)", needs_information: "shown (may apply)", does_not_apply: "not shown" }));
    });
    note.c.forEach(function (citationRef) { item.appendChild(renderQuote(citationRef, note.s)); });
    return item;
  }

  // The stored text, cut at headings, empty fields and the engine's highlighted passages.
  function renderDocuments(passages) {
    var container = byId("documents");
    container.replaceChildren();
    diseases[state.disease].documents.forEach(function (documentIndex) {
      var doc = data.documents[documentIndex];
      var marks = passages.filter(function (p) { return p.d === documentIndex; });
      var pieces = doc.layout.filter(function (span) {
        return !marks.some(function (m) { return span[0] < m.e && m.s < span[1]; });
      }).map(function (span) { return { s: span[0], e: span[1], kind: span[2] }; });
      marks.forEach(function (m) { pieces.push({ s: m.s, e: m.e, kind: "mark", passage: m }); });
      pieces.sort(function (a, b) { return a.s - b.s; });
      var text = el("div", { "class": "source-text" });
      var cursor = 0;
      pieces.forEach(function (piece) {
        if (piece.s > cursor) { text.appendChild(document.createTextNode(doc.text.slice(cursor, piece.s))); }
        var content = doc.text.slice(piece.s, piece.e);
        if (piece.kind === "heading") {
          text.appendChild(el("h3", { "class": "source-heading", text: content }));
        } else if (piece.kind === "empty-field") {
          text.appendChild(el("span", { "class": "empty-field", text: content }));
        } else {
          text.appendChild(renderMark(piece.passage, documentIndex, content));
          text.appendChild(renderBackrefs(piece.passage));
        }
        cursor = piece.e;
      });
      if (cursor < doc.text.length) { text.appendChild(document.createTextNode(doc.text.slice(cursor))); }
      container.appendChild(el("section", { "class": "document", "aria-label": doc.title },
        el("p", { "class": "document-title" }, el("strong", { text: "“" + doc.title + "”" }), ", " + doc.publisher), text));
    });
  }

  function renderMark(passage, documentIndex, content) {
    return el("mark", {
      id: "passage-" + documentIndex + "-" + passage.s, "class": passage.st, tabindex: "-1",
      "data-document": String(documentIndex), "data-start": String(passage.s), "data-end": String(passage.e),
      "data-status": passage.st, text: content
    });
  }

  function renderBackrefs(passage) {
    var sup = el("sup", { "class": "backrefs" });
    var options = diseases[state.disease].options;
    passage.by.forEach(function (citer) {
      var title = citer[0] === "option"
        ? options.filter(function (o) { return o.id === citer[1]; })[0].title
        : "a note of the page";
      var button = el("button", { type: "button", "class": "link", "aria-label": "Back to " + title, title: title },
        "↩ " + (citer[0] === "option" ? "option" : "note"));
      button.addEventListener("click", function () { focusItem(citer[0], citer[1]); });
      sup.appendChild(button);
    });
    return sup;
  }

  byId("field-disease").addEventListener("change", function (event) {
    state.disease = event.target.value;
    state.facts = {};
    commit();
  });
  byId("practice-toggle").addEventListener("change", function (event) {
    state.practice = event.target.checked;
    resetPractice();
    render();
  });
  byId("random-situation").addEventListener("click", function () {
    var keys = Object.keys(diseases[state.disease].profiles);
    var tokens = keys[Math.floor(Math.random() * keys.length)].split("|");
    state.facts = {};
    fields().forEach(function (field, index) {
      if (tokens[index + 1] !== "") { state.facts[field.name] = tokens[index + 1]; }
    });
    commit();
  });
  byId("controls").addEventListener("submit", function (event) { event.preventDefault(); });
  // Also fires on Back and Forward between the entries `commit` pushes (they differ in fragment).
  window.addEventListener("hashchange", fromLocation);
  fromLocation();
  performance.mark("explorer-first-render");
}());

/* symchain interactive view: typesets formulas with KaTeX, highlights paths and factors. */
(function () {
  "use strict";
  // Pages with more formulas than this typeset them when they scroll into view.
  var EAGER = 400;
  var OPTIONS = {
    throwOnError: false,
    trust: function (context) { return context.command === "\\htmlData"; },
    strict: function (code) { return code === "htmlExtension" ? "ignore" : "warn"; }
  };

  // `tex` with each marked range (begin,end,index;...) wrapped in \htmlData{factor=index}{...}.
  function withMarks(tex, marks) {
    if (!marks) { return tex; }
    var result = "", last = 0;
    marks.split(";").forEach(function (mark) {
      var parts = mark.split(",").map(Number);
      result += tex.slice(last, parts[0]) + "\\htmlData{factor=" + parts[2] + "}{" +
        tex.slice(parts[0], parts[1]) + "}";
      last = parts[1];
    });
    return result + tex.slice(last);
  }

  function typeset(element) {
    if (element.getAttribute("data-typeset")) { return; }
    var tex = element.textContent;
    element.setAttribute("data-tex", tex);
    var options = Object.assign({ displayMode: !element.classList.contains("inline") }, OPTIONS);
    katex.render(withMarks(tex, element.getAttribute("data-marks")), element, options);
    element.setAttribute("data-typeset", "1");
  }

  function View(root) {
    var self = this;
    this.root = root;
    this.edges = [];
    this.paths = {};
    this.successors = {};
    this.predecessors = {};
    this.nodes = {};
    root.querySelectorAll("g.node[data-node]").forEach(function (node) {
      self.nodes[node.getAttribute("data-node")] = node;
    });
    root.querySelectorAll("g.edge[data-source]").forEach(function (element) {
      var edge = { element: element, source: element.getAttribute("data-source"),
        target: element.getAttribute("data-target") };
      self.edges.push(edge);
      (self.successors[edge.source] = self.successors[edge.source] || []).push(edge);
      (self.predecessors[edge.target] = self.predecessors[edge.target] || []).push(edge);
    });
    this.entries = {};
    this.byName = {};
    this.byNode = {};
    this.notations = root.getAttribute("data-notations").split(" ");
    this.loss = root.getAttribute("data-loss");
    root.querySelectorAll("article.entry").forEach(function (article) {
      var key = article.getAttribute("data-entry");
      self.entries[key] = article;
      // A node selects the first entry starting there (a parameter, an error term, an adjoint).
      var node = article.getAttribute("data-node");
      if (!self.byNode[node]) { self.byNode[node] = key; }
      JSON.parse(article.getAttribute("data-names")).forEach(function (name) {
        self.byName[name] = key;
      });
    });
    this.selected = null;
    this.factorEdges = null;
    this.permalinks = root.getAttribute("data-permalinks") === "on";
    root.classList.add("js");
    var controls = root.querySelector(".controls");
    if (controls) { controls.hidden = false; }
    this.typesetInitial();
    root.addEventListener("click", function (event) { self.onClick(event); });
    root.addEventListener("mouseover", function (event) { self.onHover(event, true); });
    root.addEventListener("mouseout", function (event) { self.onHover(event, false); });
    if (this.permalinks) {
      window.addEventListener("hashchange", function () { self.fromHash(); });
      this.fromHash();
    }
    root.setAttribute("data-ready", "1");
  }

  View.prototype.typesetInitial = function () {
    var formulas = this.root.querySelectorAll(".math");
    if (formulas.length <= EAGER || typeof IntersectionObserver === "undefined") {
      formulas.forEach(typeset);
      return;
    }
    var observer = new IntersectionObserver(function (seen) {
      seen.forEach(function (item) {
        if (item.isIntersecting) { typeset(item.target); observer.unobserve(item.target); }
      });
    }, { rootMargin: "400px" });
    formulas.forEach(function (element) { observer.observe(element); });
  };

  // Eager pages: nothing to do; lazy pages typeset what the observer reports.
  View.prototype.typesetShown = function () {
    if (this.selected !== null) {
      var shown = this.root.getAttribute("data-notation");
      this.entries[this.selected].querySelectorAll('.math[data-n="' + shown + '"]')
        .forEach(typeset);
    }
  };

  View.prototype.reach = function (start, forward) {
    var seen = {}, pending = [start];
    seen[start] = true;
    var links = forward ? this.successors : this.predecessors;
    while (pending.length) {
      var node = pending.pop();
      (links[node] || []).forEach(function (edge) {
        var next = forward ? edge.target : edge.source;
        if (!seen[next]) { seen[next] = true; pending.push(next); }
      });
    }
    return seen;
  };

  // The edges on every path from node `from` to node `to` (the graph never changes: cached).
  View.prototype.between = function (from, to) {
    var key = from + "\u0000" + to;
    if (!this.paths[key]) {
      var after = this.reach(from, true), before = this.reach(to, false);
      this.paths[key] = this.edges.filter(function (edge) {
        return after[edge.source] && before[edge.target];
      });
    }
    return this.paths[key];
  };

  View.prototype.clear = function (name) {
    this.root.querySelectorAll("." + name).forEach(function (element) {
      element.classList.remove(name);
    });
  };

  View.prototype.select = function (key, updateHash) {
    var article = this.entries[key];
    if (!article) { return; }
    var self = this;
    this.clear("selected");
    this.clear("on-path");
    this.clear("subject");
    this.clear("active");
    article.classList.add("selected");
    this.root.classList.add("has-selection");
    var shown = this.root.getAttribute("data-notation");
    article.querySelectorAll('.math[data-n="' + shown + '"]').forEach(typeset);
    var node = article.getAttribute("data-node");
    // Every path from the entry's node to the loss: its edges and their ends.
    this.between(node, this.loss).forEach(function (edge) {
      edge.element.classList.add("on-path");
      [edge.source, edge.target].forEach(function (name) {
        if (self.nodes[name]) { self.nodes[name].classList.add("on-path"); }
      });
    });
    if (this.nodes[node]) {
      this.nodes[node].classList.add("subject");
      this.nodes[node].scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    this.root.querySelectorAll('.pick[data-entry="' + key + '"]').forEach(function (button) {
      button.classList.add("active");
      var group = button.closest("details");
      if (group) { group.open = true; }
    });
    var spans = JSON.parse(article.getAttribute("data-factors"));
    this.factorEdges = spans.map(function (pairs) {
      var found = [];
      pairs.forEach(function (pair) { found = found.concat(self.between(pair[0], pair[1])); });
      return found;
    });
    this.selected = key;
    if (updateHash && this.permalinks) {
      var names = JSON.parse(article.getAttribute("data-names"));
      var notation = this.root.getAttribute("data-notation");
      var name = names[Math.max(0, this.notations.indexOf(notation))];
      history.replaceState(null, "", "#" + encodeURIComponent(name));
    }
  };

  View.prototype.fromHash = function () {
    var name = decodeURIComponent(window.location.hash.slice(1));
    if (name && this.byName[name]) { this.select(this.byName[name], false); }
  };

  View.prototype.onClick = function (event) {
    var pick = event.target.closest(".pick");
    if (pick && this.root.contains(pick)) {
      event.preventDefault();
      this.select(pick.getAttribute("data-entry"), true);
      return;
    }
    var choice = event.target.closest("[data-choose]");
    if (choice && this.root.contains(choice)) {
      this.root.setAttribute("data-notation", choice.getAttribute("data-choose"));
      this.typesetShown();
      if (this.selected) { this.select(this.selected, true); }
      return;
    }
    var node = event.target.closest("g.node");
    if (node && this.root.contains(node)) {
      var key = this.byNode[node.getAttribute("data-node")];
      if (key) { this.select(key, true); }
    }
  };

  View.prototype.onHover = function (event, entering) {
    this.clear("hovered");
    if (!entering || this.selected === null) { return; }
    var article = this.entries[this.selected];
    var factor = event.target.closest("[data-factor]");
    if (factor && article.contains(factor)) {
      var index = Number(factor.getAttribute("data-factor"));
      this.markFactor(article, index);
      this.factorEdges[index].forEach(function (edge) { edge.element.classList.add("hovered"); });
      return;
    }
    var element = event.target.closest("g.edge");
    if (!element || !this.root.contains(element)) { return; }
    var self = this, any = false;
    this.factorEdges.forEach(function (edges, index) {
      if (edges.some(function (edge) { return edge.element === element; })) {
        self.markFactor(article, index);
        any = true;
      }
    });
    if (any) { element.classList.add("hovered"); }
  };

  View.prototype.markFactor = function (article, index) {
    article.querySelectorAll('[data-factor="' + index + '"]').forEach(function (span) {
      span.classList.add("hovered");
    });
  };

  document.querySelectorAll(".symchain-view:not([data-ready])").forEach(function (root) {
    root.symchain = new View(root);
  });
})();

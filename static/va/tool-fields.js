/* The HTTP tool form without hand-written JSON: the parameters (arguments schema), the constant values and
 * the response mapping get small tables; the raw JSON stays below as an advanced view, and each side
 * rewrites the other on every edit. The server checks the JSON as before, and its errors stay on the field. */
(function () {
  "use strict";

  var TYPES = ["string", "integer", "number", "boolean", "array", "object"];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function parse(textarea) {
    var text = textarea.value.trim();
    if (!text) return { ok: true, value: null };
    try { return { ok: true, value: JSON.parse(text) }; } catch (error) { return { ok: false, error: error.message }; }
  }

  /* One editor: a table built from the JSON, rebuilt when the JSON is edited, writing the JSON when it is. */
  function attach(textarea, spec) {
    var row = textarea.closest(".form-row") || textarea.parentNode;
    var box = el("div", { className: "va-json-editor", "data-field": textarea.name });
    var note = el("p", { className: "help va-json-note", role: "status" });
    var table = el("table", { className: "va-json-table" });
    var add = el("button", { type: "button", className: "button" }, spec.addLabel);
    box.appendChild(table);
    if (spec.addLabel) box.appendChild(add);
    box.appendChild(note);
    var raw = el("details", { className: "va-json-raw" });
    raw.appendChild(el("summary", {}, "Raw JSON (advanced)"));
    textarea.parentNode.insertBefore(box, textarea);
    textarea.parentNode.insertBefore(raw, textarea);
    raw.appendChild(textarea);
    if (row.classList.contains("errors")) raw.open = true;  // the server's error is about this JSON

    var model = null;

    function render() {
      var parsed = parse(textarea);
      if (!parsed.ok || !spec.fits(parsed.value)) {
        table.hidden = true;
        add.hidden = true;
        note.textContent = parsed.ok ? spec.unfit : "The raw JSON is not valid (" + parsed.error + "); fix it below.";
        raw.open = true;
        return;
      }
      table.hidden = false;
      add.hidden = false;
      note.textContent = "";
      model = spec.read(parsed.value);
      draw();
    }

    /* The table from the model as it is (a row just added may still be blank, so not read back from JSON). */
    function draw() {
      table.textContent = "";
      var head = table.appendChild(el("thead")).appendChild(el("tr"));
      spec.columns.forEach(function (column) { head.appendChild(el("th", { scope: "col" }, column.label)); });
      if (spec.addLabel) head.appendChild(el("th", { scope: "col" }, ""));
      var body = table.appendChild(el("tbody"));
      model.rows.forEach(function (item, index) {
        var tr = body.appendChild(el("tr"));
        spec.columns.forEach(function (column) {
          var td = tr.appendChild(el("td"));
          var input;
          if (column.kind === "select") {
            input = el("select", { "aria-label": column.label });
            column.options.forEach(function (option) {
              var opt = input.appendChild(el("option", { value: option }, option));
              if (option === item[column.key]) opt.selected = true;
            });
          } else if (column.kind === "checkbox") {
            input = el("input", { type: "checkbox", "aria-label": column.label });
            input.checked = Boolean(item[column.key]);
          } else {
            input = el("input", { type: column.kind || "text", "aria-label": column.label, placeholder: column.placeholder || "" });
            input.value = item[column.key] === undefined || item[column.key] === null ? "" : item[column.key];
          }
          input.dataset.column = column.key;
          input.addEventListener(column.kind === "checkbox" || column.kind === "select" ? "change" : "input", function () {
            item[column.key] = column.kind === "checkbox" ? input.checked : input.value;
            write();
          });
          td.appendChild(input);
        });
        if (spec.addLabel) {
          var remove = el("button", { type: "button", className: "button va-remove", "aria-label": "Remove" }, "Remove");
          remove.addEventListener("click", function () { model.rows.splice(index, 1); write(); draw(); });
          tr.appendChild(el("td")).appendChild(remove);
        }
      });
    }

    function write() {
      textarea.value = JSON.stringify(spec.write(model), null, 2);
      var seen = {};
      var twice = model.rows.map(function (r) { return String(r.name || "").trim(); }).filter(function (name) {
        var again = name && seen[name];
        seen[name] = true;
        return again;
      });
      note.textContent = twice.length ? "Two rows are named " + twice[0] + ": only the last one is kept." : "";
    }

    add.addEventListener("click", function () {
      if (!model) return;
      model.rows.push(spec.blank());
      write();
      draw();
      var inputs = table.querySelectorAll("tbody tr:last-child input");
      if (inputs.length) inputs[0].focus();
    });
    textarea.addEventListener("input", render);
    render();
  }

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }

  var parameters = {
    addLabel: "Add a parameter",
    unfit: "This schema is more than a list of parameters; edit it as JSON below.",
    columns: [
      { key: "name", label: "Name", placeholder: "query" },
      { key: "type", label: "Type", kind: "select", options: TYPES },
      { key: "required", label: "Required", kind: "checkbox" },
      { key: "description", label: "What the model should put in it", placeholder: "Words to search for" },
    ],
    fits: function (value) { return value === null || (isObject(value) && (value.properties === undefined || isObject(value.properties))); },
    read: function (value) {
      var schema = value || { type: "object", properties: {}, additionalProperties: false };
      var required = Array.isArray(schema.required) ? schema.required : [];
      var rows = Object.keys(schema.properties || {}).map(function (name) {
        var prop = schema.properties[name] || {};
        return { name: name, type: typeof prop.type === "string" ? prop.type : "string", required: required.indexOf(name) >= 0,
          description: prop.description || "", original: prop };
      });
      return { schema: schema, rows: rows };
    },
    write: function (model) {
      var schema = {};
      Object.keys(model.schema).forEach(function (key) { if (key !== "properties" && key !== "required") schema[key] = model.schema[key]; });
      schema.type = "object";
      schema.properties = {};
      var required = [];
      model.rows.forEach(function (row) {
        var name = String(row.name || "").trim();
        if (!name) return;
        var prop = {};
        Object.keys(row.original || {}).forEach(function (key) { prop[key] = row.original[key]; });  // enum, examples...
        prop.type = row.type;
        if (row.description) prop.description = row.description; else delete prop.description;
        schema.properties[name] = prop;
        if (row.required) required.push(name);
      });
      if (required.length) schema.required = required;
      if (schema.additionalProperties === undefined) schema.additionalProperties = false;
      return schema;
    },
    blank: function () { return { name: "", type: "string", required: false, description: "", original: {} }; },
  };

  var constants = {
    addLabel: "Add a constant",
    unfit: "Constants must be one JSON object of names and values; edit it as JSON below.",
    columns: [
      { key: "name", label: "Name", placeholder: "currency" },
      { key: "value", label: "Value (text, or JSON such as 5 or true)", placeholder: "EUR" },
    ],
    fits: function (value) { return value === null || isObject(value); },
    read: function (value) {
      var object = value || {};
      return { rows: Object.keys(object).map(function (name) {
        var v = object[name];
        return { name: name, value: typeof v === "string" ? v : JSON.stringify(v) };
      }) };
    },
    write: function (model) {
      var object = {};
      model.rows.forEach(function (row) {
        var name = String(row.name || "").trim();
        if (!name) return;
        var text = String(row.value);
        var value = text;
        if (/^(-?\d+(\.\d+)?|true|false|null|\[.*\]|\{.*\})$/.test(text.trim())) {
          try { value = JSON.parse(text); } catch (error) { value = text; }
        }
        object[name] = value;
      });
      return object;
    },
    blank: function () { return { name: "", value: "" }; },
  };

  var mapping = {
    addLabel: "",
    unfit: "This mapping has keys the table does not know; edit it as JSON below.",
    columns: [
      { key: "items", label: "List in the response", placeholder: "results" },
      { key: "fields", label: "Fields the model gets (comma-separated)", placeholder: "name, price" },
      { key: "max_items", label: "At most items", kind: "number" },
      { key: "max_chars", label: "At most characters", kind: "number" },
    ],
    fits: function (value) {
      return value === null || (isObject(value) && Object.keys(value).every(function (k) {
        return ["items", "fields", "max_items", "max_chars"].indexOf(k) >= 0;
      }) && (value.fields === undefined || Array.isArray(value.fields)));
    },
    read: function (value) {
      var m = value || {};
      return { rows: [{ items: m.items || "", fields: (m.fields || []).join(", "), max_items: m.max_items, max_chars: m.max_chars }] };
    },
    write: function (model) {
      var row = model.rows[0];
      var out = {};
      if (String(row.items || "").trim()) out.items = String(row.items).trim();
      var fields = String(row.fields || "").split(",").map(function (f) { return f.trim(); }).filter(Boolean);
      if (fields.length) out.fields = fields;
      ["max_items", "max_chars"].forEach(function (key) {
        if (row[key] !== "" && row[key] !== undefined && row[key] !== null && !isNaN(Number(row[key]))) out[key] = Number(row[key]);
      });
      return out;
    },
    blank: function () { return {}; },
  };

  function start() {
    var specs = { arguments_schema: parameters, constants: constants, response_mapping: mapping };
    Object.keys(specs).forEach(function (name) {
      var textarea = document.querySelector('#content-main form textarea[name="' + name + '"]');
      if (textarea) attach(textarea, specs[name]);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

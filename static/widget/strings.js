/* The widget's strings in its agent's language: the page embeds the catalogue as JSON in #va-strings (the
 * server's table, widget/strings.py, already falls back to English per string). Load this script first;
 * the others read every visible text through t(key), or t(key, {name: …}) to fill `{name}` placeholders.
 * Exposes window.VoiceStrings = {t, language}. */
(function () {
  "use strict";

  var node = document.getElementById("va-strings");
  var catalogue = node ? JSON.parse(node.textContent) : {};

  function t(key, params) {
    var text = Object.prototype.hasOwnProperty.call(catalogue, key) ? catalogue[key] : null;
    if (text === null) {
      if (window.console) console.warn("voice widget: no string " + key);
      return key;
    }
    return params ? text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : all;
    }) : text;
  }

  // Dates and times: the visitor's own locale when it is of the widget's language (en-GB for English), else it.
  var language = document.documentElement.lang || "en";
  var browser = navigator.language || "";
  window.VoiceStrings = {
    t: t,
    has: function (key) { return Object.prototype.hasOwnProperty.call(catalogue, key); },
    language: language,
    locale: browser.split("-")[0].toLowerCase() === language ? browser : language,
  };
})();

'use strict';
// Autocomplete of a tenant-owned relation (an agent's prompt, its tools) offers only the tenant chosen on this
// form: Django's select2 sends app_label, model_name, field_name and term; this adds the form's `tenant`, which
// the server uses to narrow the answer. Choosing another tenant clears choices made for the previous one.
{
    const $ = django.jQuery;
    const tenantField = () => document.querySelector('#content-main form [name="tenant"]');

    $.ajaxPrefilter((options) => {
        const field = tenantField();
        if (!field || !field.value || !/\/autocomplete\/(\?|$)/.test(options.url || '')) {
            return;
        }
        const extra = 'tenant=' + encodeURIComponent(field.value);
        options.data = options.data ? options.data + '&' + extra : extra;
    });

    $(() => {
        const field = tenantField();
        if (!field) {
            return;
        }
        $(field).on('change', () => {
            $('#content-main form .admin-autocomplete').not('[name*=__prefix__]').not(field).val(null).trigger('change');
        });
    });
}

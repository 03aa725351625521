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
        // Django's RelatedObjectLookups fires 'change' on every related select when the page loads (to set its
        // edit links): only a real change of tenant clears the picks, or a change page would lose its prompt.
        let chosen = field.value;
        $(field).on('change', () => {
            if (field.value === chosen) {
                return;
            }
            chosen = field.value;
            $('#content-main form .admin-autocomplete').not('[name*=__prefix__]').not(field).val(null).trigger('change');
        });
    });
}

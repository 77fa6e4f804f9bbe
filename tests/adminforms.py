"""What a browser posts back from an admin change page (the workspace is an admin site)."""


def form_data(response, **changes):
    """The change page's main form and every inline formset with its management form, as they
    stand, with `changes` applied; a change to None leaves that field out of the post."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for subform in formset.forms:
            for name in subform.fields:
                value = subform[name].value()
                data[subform.add_prefix(name)] = "" if value is None else value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}

"""An application under review (decision 0048): the steps that personal membership applications (网上入会), unit
applications (单位入会) and enterprise 科协 formation requests (网上组建) share — lock the record, check the decider's
scope on its current place, move it along the model's declared ``WORKFLOW``, write the history row and the audit
row, tell the applicant; the daily deadline sweep; the decision view; the decision box and history templates
(templates/reviewing/).

Not an app (no models, no URLs): ``steps.Review`` is configured once per workflow by the module that owns it.
It imports no domain app (an import-linter contract); notices come in as callables from the owner.
"""

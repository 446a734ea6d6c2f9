"""A small stand-alone OpenID Connect provider that behaves like Feide, for tests.

It is its own Django project (see ``settings``), started in a subprocess by ``tests.oidc_server``;
the portal signs in against it exactly as it would against Feide, with only the issuer URL changed.
"""

# Feide's claim for the Feide name (eduPersonPrincipalName, user@realm), given with scope ``userid-feide``.
FEIDE_EPPN_CLAIM = "https://n.feide.no/claims/eduPersonPrincipalName"

"""The claims the test provider gives, shaped like Feide's."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider import FEIDE_EPPN_CLAIM


class FeideLikeValidator(OAuth2Validator):
    """Claims as Feide gives them, in the ID token and at the userinfo endpoint alike.

    - ``sub``: a stable opaque identifier (a UUID) per person, never the username. The provider has no
      use for family names, so each user's ``last_name`` holds it.
    - ``name`` (scope ``profile``): the user's ``first_name``, which holds the full name.
    - ``email`` (scope ``email``).
    - the Feide name, ``user@realm`` (scope ``userid-feide``): the username.
    """

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, FEIDE_EPPN_CLAIM: "userid-feide"}

    # Without a request argument, DOT calls each value with the request and also lists the claims in
    # the discovery document's claims_supported.
    def get_additional_claims(self):
        return {
            "sub": lambda request: request.user.last_name,
            "name": lambda request: request.user.first_name,
            "email": lambda request: request.user.email,
            FEIDE_EPPN_CLAIM: lambda request: request.user.username,
        }

"""Find the campaign an import goes to: by 24-hex id, or by name through the search."""

from __future__ import annotations

from .client import CAMPAIGN_ID, ApiClient, Campaign
from .errors import ApiError, CampaignError, NotFoundError, StartError

__all__ = [
    "resolve_campaign",
]


def resolve_campaign(client: ApiClient, ref: str) -> Campaign:
    """Return the campaign ``ref`` names, confirmed by GET /campaigns/:id.

    A name matches case-insensitively; when the search finds several campaigns and
    exactly one has that exact name, that one is used. No match, or several, is a
    :class:`CampaignError` listing the candidates. API failures here become
    :class:`StartError`: nothing has been sent yet.
    """
    ref = ref.strip()
    try:
        campaign_id = ref if CAMPAIGN_ID.match(ref) else _find_by_name(client, ref).id
        try:
            return client.get_campaign(campaign_id)
        except NotFoundError as exc:
            raise CampaignError(
                f"campaign {campaign_id} does not exist for this client; list the campaigns "
                "with 'whiteclad-import campaigns' and pass an id or a name to --campaign"
            ) from exc
    except CampaignError:
        raise
    except ApiError as exc:
        raise StartError.from_api(exc, f"{exc.message}. Nothing was sent.") from exc


def _find_by_name(client: ApiClient, name: str) -> Campaign:
    found = list(client.iter_campaigns(search=name))
    exact = [campaign for campaign in found if campaign.name.casefold() == name.casefold()]
    if len(exact) == 1:
        return exact[0]
    if len(found) == 1 and not exact:
        return found[0]
    if not found:
        raise CampaignError(
            f"no campaign is named '{name}'; list them with 'whiteclad-import campaigns' "
            "and pass an id or the exact name to --campaign"
        )
    candidates = exact or found
    listed = "; ".join(f"{c.name} ({c.id}, {c.status})" for c in candidates[:10])
    more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
    raise CampaignError(
        f"'{name}' matches {len(candidates)} campaigns: {listed}{more}; pass the id to --campaign"
    )

"""Third-party platforms (第三方平台): a platform's verify ticket and component token, the
refresh tokens of the accounts that authorised it, and the pages where they authorise it."""

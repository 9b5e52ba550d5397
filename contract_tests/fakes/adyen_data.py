"""Adyen test instruments and reference tables, as Adyen's public docs describe them.

* Test cards (docs.adyen.com/development-resources/testing/test-card-numbers):
  every test card uses expiry 03/2030; CVC 737 (Amex 7373). A wrong CVC or
  expiry gives a generic ``Refused`` (refusal reason 2), as the docs say.
* 3D Secure 2 test cards: the redirect flow is triggered for these numbers.
* Result simulation (docs.adyen.com/development-resources/testing/result-codes):
  ``paymentMethod.holderName`` (or ``additionalData.RequestedTestAcquirerResponseCode``)
  selects the result code and refusal reason.
* Failed modifications: holderName ``capture failed`` / ``refund failed``
  produce CAPTURE_FAILED / REFUND_FAILED after the modification succeeded.
"""

from __future__ import annotations

TEST_EXPIRY = ("03", "2030")

# number -> (brand, cvc, needs 3DS2 redirect)
TEST_CARDS: dict[str, tuple[str, str, bool]] = {
    "4111111111111111": ("visa", "737", False),
    "4988438843884305": ("visa", "737", False),
    "5555341244441115": ("mc", "737", False),
    "2222400070000005": ("mc", "737", False),
    "370000000000002": ("amex", "7373", False),
    # 3D Secure 2 (redirect / challenge)
    "4917610000000000": ("visa", "737", True),
    "4212345678910006": ("visa", "737", True),
    "5454545454545454": ("mc", "737", True),
}

APPROVE_CARD = "4111111111111111"
THREE_DS_CARD = "4917610000000000"

# holderName -> (resultCode, refusalReason, refusalReasonCode)
HOLDER_RESULTS: dict[str, tuple[str, str | None, str | None]] = {
    "UNKNOWN": ("Error", "Unknown", "0"),
    "APPROVED": ("Authorised", None, None),
    "DECLINED": ("Refused", "Refused", "2"),
    "REFERRAL": ("Refused", "Referral", "3"),
    "ERROR": ("Error", "Acquirer Error", "4"),
    "BLOCK_CARD": ("Refused", "Blocked Card", "5"),
    "CARD_EXPIRED": ("Refused", "Expired Card", "6"),
    "INVALID_AMOUNT": ("Refused", "Invalid Amount", "7"),
    "INVALID_CARD_NUMBER": ("Refused", "Invalid Card Number", "8"),
    "ISSUER_UNAVAILABLE": ("Refused", "Issuer Unavailable", "9"),
    "NOT_SUPPORTED": ("Refused", "Not supported", "10"),
    "NOT_3D_AUTHENTICATED": ("Refused", "3D Not Authenticated", "11"),
    "NOT_ENOUGH_BALANCE": ("Refused", "Not enough balance", "12"),
    "PENDING": ("Received", None, "13"),
    "ACQUIRER_FRAUD": ("Refused", "Acquirer Fraud", "14"),
    "CANCELLED": ("Refused", "Cancelled", "15"),
    "SHOPPER_CANCELLED": ("Refused", "Shopper Cancelled", "16"),
    "INVALID_PIN": ("Refused", "Invalid Pin", "17"),
    "PIN_TRIES_EXCEEDED": ("Refused", "Pin tries exceeded", "18"),
    "PIN_VALIDATION_NOT_POSSIBLE": ("Refused", "Pin validation not possible", "19"),
    "FRAUD": ("Refused", "FRAUD", "20"),
    "NOT_SUBMITTED": ("Refused", "Not Submitted", "21"),
    "FRAUD_CANCELLED": ("Refused", "FRAUD-CANCELLED", "22"),
    "TRANSACTION_NOT_PERMITTED": ("Refused", "Transaction Not Permitted", "23"),
    "CVC_DECLINED": ("Refused", "CVC Declined", "24"),
    "RESTRICTED_CARD": ("Refused", "Restricted Card", "25"),
    "REVOCATION_OF_AUTH": ("Refused", "Revocation Of Auth", "26"),
    "DECLINED_NON_GENERIC": ("Refused", "Declined Non Generic", "27"),
    "WITHDRAWAL_AMOUNT_EXCEEDED": ("Refused", "Withdrawal amount exceeded", "28"),
    "WITHDRAWAL_COUNT_EXCEEDED": ("Refused", "Withdrawal count exceeded", "29"),
    "ISSUER_SUSPECTED_FRAUD": ("Refused", "Issuer Suspected Fraud", "31"),
    "AVS_DECLINED": ("Refused", "AVS Declined", "32"),
    "AUTHENTICATION_REQUIRED": ("Refused", "Authentication required", "38"),
}
# RequestedTestAcquirerResponseCode -> holderName
ACQUIRER_CODES: dict[str, str] = {
    (code if code is not None else ""): name
    for name, (_, _, code) in HOLDER_RESULTS.items()
    if code is not None
}
ACQUIRER_CODES["1"] = "APPROVED"

# holderName values that simulate a failed modification
CAPTURE_FAILED_HOLDER = "CAPTURE FAILED"
REFUND_FAILED_HOLDER = "REFUND FAILED"

# a card Adyen stored for a shopper (a provider token for the contract suite)
STORED_SHOPPER = "shopper-payhub-1"
STORED_METHOD_ID = "8415718415172200"

# the top-level fields of the Checkout PaymentRequest the fake knows (others -> 422)
PAYMENT_FIELDS = frozenset(
    """accountInfo additionalAmount additionalData amount applicationInfo authenticationData
    bankAccount billingAddress browserInfo captureDelayHours channel checkoutAttemptId company
    conversionId countryCode dateOfBirth dccQuote deliverAt deliveryAddress deliveryDate
    deviceFingerprint enableOneClick enablePayOut enableRecurring entityType fraudOffset fundOrigin
    fundRecipient industryUsage installments lineItems localizedShopperStatement mandate mcc
    merchantAccount merchantOrderReference merchantRiskIndicator metadata mpiData order
    orderReference origin paymentMethod platformChargebackLogic recurringExpiry recurringFrequency
    recurringProcessingModel redirectFromIssuerMethod redirectToIssuerMethod reference returnUrl
    riskData sessionValidity shopperEmail shopperIP shopperInteraction shopperLocale shopperName
    shopperReference shopperStatement socialSecurityNumber splits store storePaymentMethod
    subMerchants telephoneNumber threeDS2RequestData threeDSAuthenticationOnly trustedShopper""".split()
)
CARD_FIELDS = frozenset(
    """type number expiryMonth expiryYear cvc holderName encryptedCardNumber encryptedExpiryMonth
    encryptedExpiryYear encryptedSecurityCode storedPaymentMethodId recurringDetailReference brand
    fundingSource checkoutAttemptId shopperNotificationReference threeDS2SdkVersion
    networkPaymentReference cupsecureplus.smscode srcScheme srcCorrelationId srcDigitalCardId
    srcTokenReference""".split()
)
AUTHENTICATION_FIELDS = frozenset({"attemptAuthentication", "authenticationOnly", "threeDSRequestData"})
THREE_DS_REQUEST_FIELDS = frozenset({"challengeWindowSize", "dataOnly", "nativeThreeDS", "threeDSVersion"})
DETAILS_REQUEST_FIELDS = frozenset(
    {"details", "paymentData", "threeDSAuthenticationOnly", "authenticationData"}
)
DETAILS_KEYS = frozenset(
    """MD PaReq PaRes authorization_token billingToken cupsecureplus.smscode facilitatorAccessToken
    oneTimePasscode orderID payerID payload paymentID paymentStatus redirectResult resultCode
    returnUrlQueryString threeDSResult threeds2.challengeResult threeds2.fingerprint""".split()
)
MODIFICATION_FIELDS = {
    "captures": frozenset(
        {
            "merchantAccount",
            "amount",
            "reference",
            "lineItems",
            "splits",
            "subMerchants",
            "platformChargebackLogic",
            "applicationInfo",
            "enhancedSchemeData",
        }
    ),
    "refunds": frozenset(
        {
            "merchantAccount",
            "amount",
            "reference",
            "lineItems",
            "splits",
            "merchantRefundReason",
            "store",
            "capturePspReference",
            "applicationInfo",
            "enhancedSchemeData",
        }
    ),
    "cancels": frozenset({"merchantAccount", "reference", "applicationInfo", "enhancedSchemeData"}),
}
MODIFICATION_STRUCT = {
    "captures": "PaymentCaptureRequest",
    "refunds": "PaymentRefundRequest",
    "cancels": "PaymentCancelRequest",
}

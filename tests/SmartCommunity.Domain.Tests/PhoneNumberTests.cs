using SmartCommunity.Domain.Contacts;

namespace SmartCommunity.Domain.Tests;

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("+8613812345678", "+8613812345678")]
    [InlineData("+86 138-1234-5678", "+8613812345678")]
    [InlineData(" +1 (415) 555.0100 ", "+14155550100")]
    [InlineData("+85291234567", "+85291234567")]
    [InlineData("+4915112345678", "+4915112345678")]
    public void Normalize_TypedWithSeparators_E164(string typed, string e164) =>
        Assert.Equal(e164, PhoneNumber.Normalize(typed, out _));

    [Theory]
    [InlineData("13812345678", "starts with +")]
    [InlineData("008613812345678", "not 00")]
    [InlineData("+0861381234567", "does not start with 0")]
    [InlineData("+86 138 1234 567x", "'x'")]
    [InlineData("+8612", "8–15 digits")]
    [InlineData("+86138123456789012", "8–15 digits")]
    [InlineData("+86１３８12345678", "not one")]
    [InlineData("", "required")]
    public void Normalize_NotE164_RefusedWithTheReason(string typed, string reason)
    {
        Assert.Null(PhoneNumber.Normalize(typed, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+8613812345678", "+86 138****5678")]
    [InlineData("+14155550100", "+1 415***0100")]
    [InlineData("+85291234567", "+852 91**4567")]
    [InlineData("+4915112345678", "+49 151****5678")]
    public void Mask_FullNumber_CountryCodeHeadAndLastFourOnly(string e164, string masked) =>
        Assert.Equal(masked, PhoneNumber.Mask(e164));
}

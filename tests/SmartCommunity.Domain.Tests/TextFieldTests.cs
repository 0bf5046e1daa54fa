using SmartCommunity.Domain.Places;

namespace SmartCommunity.Domain.Tests;

public sealed class TextFieldTests
{
    [Fact]
    public void Check_AMillionCharacters_RefusedNamingTheFieldAndItsLimit()
    {
        var check = TextField.ResidentName.Check(new string('A', 1_000_000));
        Assert.False(check.IsValid);
        Assert.Equal("name is at most 100 characters", check.Error);
    }

    [Theory]
    [InlineData("Wang\0Fang", "U+0000")]
    [InlineData("Wang\u0007Fang", "U+0007")]
    [InlineData("Wang\u007FFang", "U+007F")]
    [InlineData("Wang\u0085Fang", "U+0085")] // C1 (NEL) inside the text; at the ends Trim would take it as white space
    [InlineData("Wang\u009BFang", "U+009B")]
    [InlineData("Wang\nFang", "U+000A")]
    [InlineData("Wang\rFang", "U+000D")]
    [InlineData("Wang\tFang", "U+0009")]
    [InlineData("Wang\u2028Fang", "U+2028")]
    public void Check_ControlCharacterInAName_RefusedWithTheCharacter(string value, string character)
    {
        var check = TextField.ResidentName.Check(value);
        Assert.False(check.IsValid);
        Assert.StartsWith("name must not contain control characters", check.Error, StringComparison.Ordinal);
        Assert.Contains(character, check.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('\u202A')]
    [InlineData('\u202B')]
    [InlineData('\u202C')]
    [InlineData('\u202D')]
    [InlineData('\u202E')]
    [InlineData('\u2066')]
    [InlineData('\u2067')]
    [InlineData('\u2068')]
    [InlineData('\u2069')]
    public void Check_BidiOverrideOrIsolate_Refused(char bidi)
    {
        var check = TextField.DisplayName.Check("Resident" + bidi + "gnp.exe");
        Assert.False(check.IsValid);
        Assert.StartsWith("displayName must not contain bidirectional override or isolate characters", check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_BidiMarksInMixedScript_Accepted()
    {
        // LRM/RLM are what mixed Hebrew/Latin or Arabic/Latin names legitimately need.
        Assert.True(TextField.ResidentName.Check("דוד\u200E Cohen").IsValid);
    }

    [Fact]
    public void Check_DecomposedAccents_StoredNfcAndTrimmed()
    {
        var check = TextField.ResidentName.Check("  Jose\u0301 Mu\u0308ller \u3000");
        Assert.True(check.IsValid);
        Assert.Equal("José Müller", check.Value);
        Assert.Equal(11, check.Value!.Length);
    }

    [Fact]
    public void Check_ChineseNameAndEmoji_Accepted()
    {
        Assert.Equal("王芳 🌸", TextField.ResidentName.Check("王芳 🌸").Value);
    }

    [Fact]
    public void Check_LengthCountedAfterNormalisation()
    {
        // 100 composed characters typed decomposed are 200 UTF-16 units on the wire and 100 once stored.
        var decomposed = string.Concat(Enumerable.Repeat("e\u0301", 100));
        Assert.True(TextField.ResidentName.Check(decomposed).IsValid);
        Assert.False(TextField.ResidentName.Check(decomposed + "e").IsValid);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   \t ")]
    public void Check_RequiredAndBlank_Refused(string? value)
    {
        Assert.Equal("name is required", TextField.ResidentName.Check(value).Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public void Check_OptionalAndBlank_StoredAsNull(string? value)
    {
        var check = TextField.DeviceLabel.Check(value);
        Assert.True(check.IsValid);
        Assert.Null(check.Value);
    }

    [Fact]
    public void Check_LoneSurrogate_RefusedNotThrown()
    {
        var check = TextField.ResidentName.Check("Wang\uD800Fang");
        Assert.False(check.IsValid);
        Assert.Contains("not valid Unicode", check.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_MultiLineNote_KeepsLineBreaksAsNewlines()
    {
        var check = TextField.Note("note").Check("Visited at 10:00.\r\nAll well.\n\nNext week again. ");
        Assert.True(check.IsValid);
        Assert.Equal("Visited at 10:00.\nAll well.\n\nNext week again.", check.Value);
    }

    [Theory]
    [InlineData("line\0one")]
    [InlineData("tab\there")]
    [InlineData("lone\rcarriage return")]
    [InlineData("rtl\u202Eoverride")]
    public void Check_MultiLineNoteWithOtherControls_Refused(string value)
    {
        Assert.False(TextField.Note("note").Check(value).IsValid);
    }

    [Fact]
    public void Check_NoteAtTheLimit_AcceptedOneMoreRefused()
    {
        Assert.True(TextField.Note("note").Check(new string('x', 2000)).IsValid);
        Assert.Equal("note is at most 2000 characters", TextField.Note("note").Check(new string('x', 2001)).Error);
    }
}

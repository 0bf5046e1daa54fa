using StbImageSharp;
using ZXing;

namespace SmartCommunity.Hub.Tests;

/// <summary>Reads a QR code back from an image (a PNG from the hub, or a screenshot of the page) with ZXing.Net.</summary>
public static class QrImage
{
    /// <param name="Located">ZXing found the code by its finder patterns (as a camera scanner does); false when only its
    /// pure-barcode reading (the image is the code in its quiet zone, nothing else) got it.</param>
    public sealed record Decoded(string Text, string? ErrorCorrection, bool Located);

    /// <exception cref="InvalidOperationException">No QR code could be read in the image.</exception>
    public static Decoded Read(byte[] png)
    {
        var image = ImageResult.FromMemory(png, ColorComponents.RedGreenBlueAlpha);
        // ZXing.Net 0.16's finder-pattern detector misses ~5 % of perfectly drawn QRCoder codes of this size (and ~1 % of
        // its own), which zbar and ZXing's pure-barcode path read: measured in the report of issue 16. An image that is
        // the code and its quiet zone only (the hub's PNG, a screenshot of the page's code) is a pure barcode.
        var result = Decode(image, pure: false) ?? Decode(image, pure: true)
            ?? throw new InvalidOperationException($"no QR code found in the {image.Width}×{image.Height} image");
        var level = result.Result.ResultMetadata?.TryGetValue(ResultMetadataType.ERROR_CORRECTION_LEVEL, out var l) == true ? l?.ToString() : null;
        return new(result.Result.Text, level, !result.Pure);
    }

    private static (Result Result, bool Pure)? Decode(ImageResult image, bool pure)
    {
        var reader = new BarcodeReaderGeneric
        {
            Options = { PossibleFormats = [BarcodeFormat.QR_CODE], TryHarder = true, PureBarcode = pure },
            AutoRotate = false,
        };
        return reader.Decode(new RGBLuminanceSource(image.Data, image.Width, image.Height, RGBLuminanceSource.BitmapFormat.RGBA32)) is { } r ? (r, pure) : null;
    }
}

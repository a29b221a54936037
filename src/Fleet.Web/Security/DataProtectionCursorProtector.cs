using System.Security.Cryptography;
using Fleet.Application.Inventory;
using Microsoft.AspNetCore.DataProtection;

namespace Fleet.Web.Security;

/// <summary>Paging cursors signed (and sealed) with the deployment's key ring, so they outlive a restart and work on every replica.</summary>
public sealed class DataProtectionCursorProtector(IDataProtectionProvider provider) : ICursorProtector
{
    private readonly IDataProtector _protector = provider.CreateProtector("Fleet.Inventory.GpuCursor.v1");

    public string Protect(string payload) => _protector.Protect(payload);

    public string? Unprotect(string token)
    {
        try
        {
            return _protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

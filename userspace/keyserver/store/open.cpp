// SPDX-License-Identifier: MIT
//
// open_store: the URL's scheme picks the backend.
#include <string_view>

#include "db.hpp"
#include "postgres.hpp"
#include "sqlite.hpp"

namespace ks {

StoreResult<std::unique_ptr<Store>> open_store(const std::string &url)
{
	std::string_view u = url;
	if (u.starts_with("postgresql://") || u.starts_with("postgres://"))
		return open_postgres(url);
	if (u.starts_with("sqlite:"))
		return open_sqlite(url.substr(std::string_view("sqlite:").size()));
	// A bare path: anything without a scheme.  "name:" before any '/'
	// is a scheme this build does not know.
	std::size_t colon = u.find(':');
	if (!u.empty() && (colon == std::string_view::npos || u.find('/') < colon))
		return open_sqlite(url);
	return store_error(StoreErr::kBackend, "unknown database URL (expected sqlite:PATH, a path, "
					       "postgresql://... or postgres://...)");
}

} // namespace ks

//! Federations (妇联组织) and their members: the federation of a place, the members serving it
//! with their post, term and contact (masked), a new federation, a new member.

use crate::audit::{Record, record};
use crate::error::invalid;
use crate::{Caller, ServiceError, Services, clock};
use chrono::NaiveDate;
use jinguo_domain::Kind as _;
use jinguo_domain::mask;
use jinguo_domain::member::{MemberInput, MemberRole};
use jinguo_domain::place::{PlaceCode, PlaceLevel};
use jinguo_storage::member::{self as store, Federation, NewMember};
use jinguo_storage::place::{self as places, Place};
use jinguo_storage::{StorageError, db_tx};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct MemberView {
    pub id: Uuid,
    /// Masked.
    pub name: String,
    pub role: MemberRole,
    /// Masked.
    pub phone: Option<String>,
    pub started_on: NaiveDate,
    pub term_ends_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct FederationView {
    pub place: Place,
    pub lineage: Vec<Place>,
    pub federation: Option<Federation>,
    /// Members serving at this place, serving ones first, then those whose term ended.
    pub members: Vec<MemberView>,
}

impl Services {
    async fn readable_place(&self, caller: &Caller, code: &str) -> Result<Place, ServiceError> {
        let code = PlaceCode::parse(code).map_err(|_| ServiceError::NotFound)?;
        places::get_scoped(&self.db, code.as_str(), &caller.household_read_scope())
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// The federation of a place and the members serving there (names and phones masked).
    pub async fn federation_view(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<FederationView, ServiceError> {
        let place = self.readable_place(caller, code).await?;
        let lineage = places::lineage(&self.db, &place).await?;
        let federation = store::federation(&self.db, &place.code).await?;
        let mut members = Vec::new();
        for m in store::serving_at(&self.db, &place.code).await? {
            let phone = match &m.phone {
                Some(sealed) => Some(mask::phone(&self.open("member", "phone", &m.id, sealed)?)),
                None => None,
            };
            members.push(MemberView {
                id: m.id,
                name: mask::name(&self.open("member", "name", &m.id, &m.name)?),
                role: MemberRole::stored(&m.role)?,
                phone,
                started_on: m.started_on,
                term_ends_on: m.term_ends_on,
                ended_on: m.ended_on,
            });
        }
        Ok(FederationView {
            place,
            lineage,
            federation,
            members,
        })
    }

    /// Records the federation of a place (city or county, subdistrict, village or community):
    /// federation staff of a place that contains it.
    pub async fn create_federation(
        &self,
        caller: &Caller,
        code: &str,
        name: &str,
        established_on: &str,
    ) -> Result<Federation, ServiceError> {
        let place = self.managed_place(caller, code).await?;
        if !(PlaceLevel::County..=PlaceLevel::Village).contains(&place.level()) {
            return Err(invalid("place", "federation.wrong_level"));
        }
        let mut e = jinguo_domain::ValidationErrors::new();
        let name = name.trim();
        if name.is_empty() {
            e.push("name", "required");
        } else if name.chars().count() > 100 {
            e.push("name", "too_long");
        }
        let established_on = match established_on.trim() {
            "" => None,
            s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) if d > clock::today() => {
                    e.push("established_on", "date.future");
                    None
                }
                Ok(d) => jinguo_domain::screening::in_range(&mut e, "established_on", d),
                Err(_) => {
                    e.push("established_on", "date.format");
                    None
                }
            },
        };
        e.into_result()?;
        let f = Federation {
            county_code: place.county(),
            id: Uuid::now_v7(),
            place_code: place.code.clone(),
            path: place.path.clone(),
            name: name.to_string(),
            established_on,
        };
        let now = clock::now();
        let r = db_tx!(&self.db, tx => {
            store::insert_federations(tx, std::slice::from_ref(&f), now).await?;
            record(tx, &self.keys, caller, Record::new("federation.create").target(format!("federation:{}", f.id))
                .place(f.path.clone())).await
        });
        match r {
            Ok(_) => Ok(f),
            Err(StorageError::Conflict(_)) => Err(invalid("place", "federation.exists")),
            Err(e) => Err(e.into()),
        }
    }

    /// A place the caller manages in full (federation staff); any other is not found.
    pub(crate) async fn managed_place(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<Place, ServiceError> {
        if !caller.has_role(jinguo_domain::account::Role::Staff) {
            return Err(ServiceError::Forbidden);
        }
        let scope = caller.household_write_scope();
        let code = PlaceCode::parse(code).map_err(|_| ServiceError::NotFound)?;
        // Through the caches: a page asks for the same place several times (its figures, its
        // events, whether its forms are offered).
        self.cached()
            .place(code.as_str())
            .await?
            .filter(|p| scope.covers_all(&p.path))
            .ok_or(ServiceError::NotFound)
    }

    /// A new member: a representative serves a resident group, the others a federation; the
    /// phone is sealed. Returns the member's id.
    pub async fn add_member(
        &self,
        caller: &Caller,
        code: &str,
        input: &MemberInput,
    ) -> Result<Uuid, ServiceError> {
        let place = self.managed_place(caller, code).await?;
        let v = input.validate(clock::today())?;
        if !v.role.serves_at(place.level()) {
            return Err(invalid("role", "member.wrong_level"));
        }
        let id = Uuid::now_v7();
        let m = NewMember {
            id,
            county_code: place.county(),
            place_code: place.code.clone(),
            path: place.path.clone(),
            role: v.role.key(),
            name: self.seal("member", "name", &id, &v.name)?,
            phone: match &v.phone {
                Some(p) => Some(self.seal("member", "phone", &id, p.as_str())?),
                None => None,
            },
            started_on: v.started_on,
            term_ends_on: v.term_ends_on,
        };
        let now = clock::now();
        db_tx!(&self.db, tx => {
            store::insert(tx, std::slice::from_ref(&m), now).await?;
            record(tx, &self.keys, caller, Record::new("member.create").target(format!("member:{id}"))
                .place(m.path.clone())).await
        })?;
        Ok(id)
    }
}
